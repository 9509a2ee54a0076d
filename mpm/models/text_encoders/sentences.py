"""Action label -> the English sentence a sentence encoder reads.

One place for the wording of every action label mpm knows (Human3.6M's 15
actions, the synthetic Human3.6M's six, the motion corpus's families and
BABEL's action categories): :func:`action_sentence`.

Rules, in order:

1. a label with an entry in :data:`IRREGULAR_SENTENCES` (matched after
   :func:`~mpm.datasets.action_labels.canonical_label`, so ``'WalkDog'``,
   ``'walk dog'`` and ``'walk_dog'`` are one label) gets that sentence:
   nouns (``'Purchases'`` -> ``'a person is shopping'``), verbs that need an
   object or article (``'WalkDog'`` -> ``'a person walks a dog'``), plurals
   that look like verbs (``'poses'``);
2. a label whose first word is a gerund (``'SittingDown'``, ``'shivering'``)
   -> ``'a person is sitting down'``;
3. otherwise the label is a verb phrase in the base form, put in the third
   person singular: ``'walk backwards'`` -> ``'a person walks backwards'``,
   ``'crouch'`` -> ``'a person crouches'``, ``'carry'`` -> ``'a person
   carries'``.

Changing a sentence changes the embeddings: regenerate the shipped file
(``tools/misc/make_text_embeddings.py --shipped``, README "ActionPose").
"""
from typing import Dict, List

from mpm.utils.action_labels import canonical_label
from .base import humanize_label

__all__ = ['SUBJECT', 'IRREGULAR_SENTENCES', 'action_sentence',
           'action_sentences', 'third_person']

#: Every sentence starts with this subject.
SUBJECT = 'a person'

#: Labels whose sentence no rule gives (keys: any spelling of the label).
_IRREGULAR = {
    # Human3.6M
    'Directions': 'gives directions',
    'Discussion': 'is having a discussion',
    'Greeting': 'is greeting someone',
    'Phoning': 'is talking on the phone',
    'Photo': 'is taking a photo',
    'Purchases': 'is shopping',
    'Sitting': 'is sitting on a chair',
    'WalkDog': 'walks a dog',
    'WalkTogether': 'walks together with someone',
    # the synthetic Human3.6M
    'Turning': 'is turning around',
    'Reaching': 'is reaching for something',
    # the motion corpus
    'side step': 'steps sideways',
    'golf swing': 'swings a golf club',
    'bend and pick up': 'bends down and picks something up',
    'sit on the floor and stand up': 'sits on the floor and stands up',
    'jumping jacks': 'does jumping jacks',
    'throw': 'throws something',
    # BABEL's action categories
    'hand movements': 'moves their hands',
    'interact with / use object': 'uses an object',
    'arm movements': 'moves their arms',
    't pose': 'stands in a T-pose',
    'a pose': 'stands in an A-pose',
    'backwards movement': 'moves backwards',
    'forwards movement': 'moves forwards',
    'sideways movement': 'moves sideways',
    'raising body part': 'raises a body part',
    'lowering body part': 'lowers a body part',
    'look': 'looks around',
    'touch object': 'touches an object',
    'circular movement': 'moves in a circle',
    'legs movement': 'moves their legs',
    'take/pick something up': 'picks something up',
    'touching body parts': 'is touching their body',
    'foot movement': 'moves a foot',
    'move up/down incline': 'walks up or down a slope',
    'actions with ball': 'plays with a ball',
    'head movements': 'moves their head',
    'grasp object': 'grasps an object',
    'greet': 'greets someone',
    'waist movements': 'moves their waist',
    'knee movement': 'moves a knee',
    'exercise / training': 'exercises',
    'swing body part': 'swings a body part',
    'sports moves': 'does sports moves',
    'touching face': 'is touching their face',
    'poses': 'strikes poses',
    'play sport': 'plays a sport',
    'cross limbs': 'crosses their arms or legs',
    'grab person / body part': 'grabs another person',
    'martial arts': 'does martial arts',
    'adjust': 'adjusts something',
    'animal behavior': 'acts like an animal',
    'upper body movement': 'moves their upper body',
    'telephone call': 'makes a telephone call',
    'touch ground': 'touches the ground',
    'shoulder movements': 'moves their shoulders',
    'support': 'supports their weight',
    'spread': 'spreads their arms and legs',
    'rolling motion': 'rolls',
    'play instrument': 'plays an instrument',
    'lie': 'lies down',
    'communicate (vocalize)': 'talks',
    'side to side movement': 'moves from side to side',
    'protect': 'protects themselves',
    'pour': 'pours something',
    'wrist movements': 'moves their wrists',
    'dribble': 'dribbles a ball',
    'golf': 'plays golf',
    'cartwheel': 'does a cartwheel',
    'sudden movement': 'moves suddenly',
    'stances': 'takes a stance',
    'check': 'checks something',
    'flap': 'flaps their arms',
    'yoga': 'does yoga',
    'tie': 'ties something',
    'zombie': 'walks like a zombie',
    'flip': 'does a flip',
    'style hair': 'styles their hair',
    'interact with rope': 'interacts with a rope',
    'release': 'releases something',
    'rocking movement': 'rocks back and forth',
    'flail arms': 'flails their arms',
}

#: canonical label -> sentence of the labels no rule covers.
IRREGULAR_SENTENCES: Dict[str, str] = {
    canonical_label(k): f'{SUBJECT} {v}' for k, v in _IRREGULAR.items()
}

_ES_ENDINGS = ('s', 'sh', 'ch', 'x', 'z', 'o')
#: Base-form verbs ending in 'ing' (not gerunds).
_ING_VERBS = frozenset(('bring', 'cling', 'fling', 'ring', 'sing', 'sling',
                        'spring', 'sting', 'string', 'swing', 'wring'))


def third_person(verb: str) -> str:
    """Third person singular present of a base-form verb: ``walk ->
    walks``, ``punch -> punches``, ``carry -> carries``, ``play ->
    plays``."""
    if not verb.isalpha():
        raise ValueError(f'third_person expects one word of letters, got '
                         f'{verb!r}')
    if verb.endswith(_ES_ENDINGS):
        return verb + 'es'
    if len(verb) > 1 and verb.endswith('y') and verb[-2] not in 'aeiou':
        return verb[:-1] + 'ies'
    return verb + 's'


def _words(label: str) -> List[str]:
    words = humanize_label(label).split()
    if not words:
        raise ValueError(f'action label {label!r} has no words')
    return words


def action_sentence(label: str) -> str:
    """The sentence of an action label (module docstring), e.g.
    ``'WalkDog' -> 'a person walks a dog'``, ``'Eating' -> 'a person is
    eating'``, ``'kick' -> 'a person kicks'``."""
    if not isinstance(label, str):
        raise TypeError(f'action label must be a string, got {label!r}')
    irregular = IRREGULAR_SENTENCES.get(canonical_label(label))
    if irregular is not None:
        return irregular
    words = _words(label)
    if not all(w.isalpha() for w in words):
        raise ValueError(
            f'action label {label!r} has characters other than letters and '
            'separators and no hand-written sentence; add one to '
            '_IRREGULAR in mpm/models/text_encoders/sentences.py')
    if words[0].endswith('ing') and words[0] not in _ING_VERBS:
        return f'{SUBJECT} is ' + ' '.join(words)
    return ' '.join([SUBJECT, third_person(words[0])] + words[1:])


def action_sentences(labels) -> List[str]:
    """:func:`action_sentence` of each label."""
    if isinstance(labels, str):
        raise ValueError('action_sentences expects a list of labels, got a '
                         f'string {labels!r}')
    return [action_sentence(x) for x in labels]
