"""BABEL's action categories (a fact shared by datasets, label sets and the
shipped text embeddings; no dataset code)."""
from typing import Tuple

#: BABEL's 150 action categories (``act_cat``) in the order of its public
#: action-recognition label list (``action_label_2_idx.json`` of the BABEL
#: repository, BABEL-60 / -120 are its first 60 / 120): the label set
#: ``'babel'`` whose text embeddings mpm ships.
BABEL_ACTION_CATEGORIES: Tuple[str, ...] = (
    'walk', 'stand', 'hand movements', 'turn', 'interact with / use object',
    'arm movements', 't pose', 'step', 'backwards movement',
    'raising body part', 'look', 'touch object', 'stretch', 'jump',
    'circular movement', 'legs movement', 'forwards movement', 'sit', 'run',
    'place something', 'take/pick something up', 'throw',
    'touching body parts', 'bend', 'foot movement', 'kick',
    'move up/down incline', 'stand up', 'a pose', 'lowering body part',
    'sideways movement', 'actions with ball', 'gesture', 'head movements',
    'jog', 'grasp object', 'greet', 'waist movements', 'move something',
    'dance', 'lift something', 'knee movement', 'exercise / training',
    'swing body part', 'catch', 'lean', 'sports moves', 'touching face',
    'poses', 'clean something', 'punch', 'squat', 'scratch', 'perform',
    'play sport', 'hop', 'cross limbs', 'stumble', 'balance',
    'grab person / body part', 'kneel', 'shake', 'clap', 'spin',
    'martial arts', 'crouch', 'knock', 'crawl', 'adjust', 'animal behavior',
    'twist', 'upper body movement', 'telephone call', 'bow', 'touch ground',
    'hit', 'shoulder movements', 'tap', 'skip', 'support', 'spread',
    'rolling motion', 'play instrument', 'jump rope', 'play catch', 'evade',
    'drink', 'lie', 'communicate (vocalize)', 'point', 'side to side movement',
    'protect', 'stop', 'give something', 'pour', 'wrist movements', 'wait',
    'jumping jacks', 'dribble', 'shuffle', 'swim', 'rub', 'limp', 'mix',
    'press something', 'open something', 'golf', 'cartwheel',
    'sudden movement', 'trip', 'leap', 'sway', 'stagger', 'stances', 'duck',
    'get injured', 'check', 'flap', 'lunge', 'slide', 'shrug', 'yoga',
    'salute', 'eat', 'sneak', 'tie', 'wiggle', 'zombie', 'relax', 'mime',
    'flip', 'shivering', 'style hair', 'wash', 'pray', 'play', 'draw',
    'interact with rope', 'wobble', 'release', 'march', 'stroke', 'swipe',
    'listen', 'fall', 'rocking movement', 'strafe', 'hang', 'search',
    'flail arms',
)
