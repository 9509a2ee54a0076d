"""Old import locations of moved names keep working (mpm.utils.moved)."""
import pytest

from mpm.utils.moved import moved_names


def test_moved_engine_patches_resolve_to_their_new_home():
    from mpm.engine import checkpoint, distributed, mmengine_patches, safe_save
    assert (checkpoint.patch_checkpoint_loading
            is mmengine_patches.patch_checkpoint_loading)
    assert distributed.patch_distributed is mmengine_patches.patch_distributed
    assert (safe_save.patch_checkpoint_saving
            is mmengine_patches.patch_checkpoint_saving)


def test_moved_names_finds_only_the_moved_names():
    lookup = moved_names('old.place', {'join': 'os.path'})
    import os.path
    assert lookup('join') is os.path.join
    with pytest.raises(AttributeError, match="'old.place' has no attribute "
                       "'split'"):
        lookup('split')
