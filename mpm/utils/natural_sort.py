"""Natural order of names with numbers in them."""
import re
from typing import Tuple


def natural_sort_key(name) -> Tuple:
    """Sort key that compares digit runs as numbers: ``'S2 Seq10'`` sorts
    after ``'S2 Seq9'``, ``'TS10'`` after ``'TS9'``, ``'img_10.png'`` after
    ``'img_9.png'``."""
    return tuple(int(t) if t.isdigit() else t
                 for t in re.split(r'(\d+)', str(name)))
