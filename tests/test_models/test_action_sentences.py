"""Label -> sentence: hand-written expectations for the irregular labels,
grammatical invariants for every shipped label."""
import pytest

from mpm.datasets.action_labels import ACTION_LABEL_SETS, canonical_label
from mpm.models.text_encoders import SHIPPED_LABEL_SETS, action_sentence
from mpm.models.text_encoders.sentences import third_person

#: Written by hand (what a person would say), not read from the module.
EXPECTED = {
    # Human3.6M: all 15
    'Directions': 'a person gives directions',
    'Discussion': 'a person is having a discussion',
    'Eating': 'a person is eating',
    'Greeting': 'a person is greeting someone',
    'Phoning': 'a person is talking on the phone',
    'Photo': 'a person is taking a photo',
    'Posing': 'a person is posing',
    'Purchases': 'a person is shopping',
    'Sitting': 'a person is sitting on a chair',
    'SittingDown': 'a person is sitting down',
    'Smoking': 'a person is smoking',
    'Waiting': 'a person is waiting',
    'WalkDog': 'a person walks a dog',
    'Walking': 'a person is walking',
    'WalkTogether': 'a person walks together with someone',
    # the synthetic Human3.6M: all 6
    'Waving': 'a person is waving',
    'Squatting': 'a person is squatting',
    'Turning': 'a person is turning around',
    'Reaching': 'a person is reaching for something',
    # the motion corpus: the irregular ones and the -es / multi-word verbs
    'side step': 'a person steps sideways',
    'walk backwards': 'a person walks backwards',
    'climb steps': 'a person climbs steps',
    'reach overhead': 'a person reaches overhead',
    'punch': 'a person punches',
    'crouch': 'a person crouches',
    'stretch': 'a person stretches',
    'golf swing': 'a person swings a golf club',
    'bend and pick up': 'a person bends down and picks something up',
    'sit on the floor and stand up':
    'a person sits on the floor and stands up',
    'jumping jacks': 'a person does jumping jacks',
    'wave both arms': 'a person waves both arms',
    # BABEL: nouns, slashes, parentheses, plurals, -es verbs
    'hand movements': 'a person moves their hands',
    'interact with / use object': 'a person uses an object',
    't pose': 'a person stands in a T-pose',
    'a pose': 'a person stands in an A-pose',
    'take/pick something up': 'a person picks something up',
    'move up/down incline': 'a person walks up or down a slope',
    'communicate (vocalize)': 'a person talks',
    'exercise / training': 'a person exercises',
    'grab person / body part': 'a person grabs another person',
    'poses': 'a person strikes poses',
    'stances': 'a person takes a stance',
    'telephone call': 'a person makes a telephone call',
    'raising body part': 'a person raises a body part',
    'touching face': 'a person is touching their face',
    'shivering': 'a person is shivering',
    'lie': 'a person lies down',
    'golf': 'a person plays golf',
    'yoga': 'a person does yoga',
    'zombie': 'a person walks like a zombie',
    'search': 'a person searches',
    'wash': 'a person washes',
    'mix': 'a person mixes',
    'catch': 'a person catches',
    'pray': 'a person prays',
    'play catch': 'a person plays catch',
    'jump rope': 'a person jumps rope',
    'get injured': 'a person gets injured',
    'stand up': 'a person stands up',
}


@pytest.mark.parametrize('label', sorted(EXPECTED))
def test_expected_sentences(label):
    assert action_sentence(label) == EXPECTED[label]


def test_spelling_variants_give_one_sentence():
    assert action_sentence('walk_dog') == action_sentence('WalkDog') == \
        'a person walks a dog'
    assert action_sentence('Sitting Down') == 'a person is sitting down'
    assert action_sentence('WALK BACKWARDS') == 'a person walks backwards'


def test_third_person():
    got = [third_person(v) for v in ('walk', 'punch', 'wash', 'mix', 'go',
                                     'carry', 'play', 'buzz', 'kiss')]
    assert got == ['walks', 'punches', 'washes', 'mixes', 'goes', 'carries',
                   'plays', 'buzzes', 'kisses']
    with pytest.raises(ValueError, match='one word'):
        third_person('walk dog')


def test_unknown_labels_follow_the_rules_or_fail_clearly():
    assert action_sentence('juggle') == 'a person juggles'
    assert action_sentence('Juggling') == 'a person is juggling'
    assert action_sentence('swing arms') == 'a person swings arms'
    with pytest.raises(ValueError, match='_IRREGULAR'):
        action_sentence('lift (heavy)')
    with pytest.raises(ValueError, match='no words'):
        action_sentence('__')
    with pytest.raises(TypeError):
        action_sentence(3)


def shipped_labels():
    return sorted({x for name in SHIPPED_LABEL_SETS
                   for x in ACTION_LABEL_SETS[name]})


def test_every_shipped_label_is_a_grammatical_sentence():
    labels = shipped_labels()
    assert len(labels) > 15 + 6 + 26  # BABEL's categories are in
    sentences = {}
    for label in labels:
        s = action_sentence(label)
        words = s.split(' ')
        assert s.startswith('a person ') and '' not in words, (label, s)
        assert s == s.strip() and not s.endswith('.'), s
        verb = words[2]
        if verb == 'is':  # progressive: 'is' + a present participle
            assert words[3].endswith('ing'), (label, s)
        else:  # simple present, third person singular
            assert verb.endswith('s') and not verb.endswith('ing'), (label, s)
            assert verb not in ('is', 'are'), s
        for bad in ('/', '(', ')', '_', ' is is '):
            assert bad not in s, (label, s)
        sentences.setdefault(s, set()).add(canonical_label(label))
    # two labels share a sentence only when they are one label spelled
    # differently
    clashes = {s: k for s, k in sentences.items() if len(k) > 1}
    assert not clashes


def test_every_label_set_has_its_sentences():
    for name in SHIPPED_LABEL_SETS:
        for label in ACTION_LABEL_SETS[name]:
            assert action_sentence(label)
    assert len(ACTION_LABEL_SETS['h36m']) == 15
    assert len(ACTION_LABEL_SETS['babel']) == 150
    assert ACTION_LABEL_SETS['corpus'][:3] == ('stand', 'walk', 'run')
