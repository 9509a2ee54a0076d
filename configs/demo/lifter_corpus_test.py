# Test the demo lifter on motion it never saw: the held-out families of the
# built-in motion corpus (no fine-tuning config trains on them), projected
# through the Human3.6M cameras of S9 (ground-truth 2D), 27-frame windows.
#   python tools/test.py configs/demo/lifter_corpus_test.py work_dirs/demo/lifter.pth
# Needs data/motion_corpus/ (tools/dataset_converters/make_motion_corpus.py).
_base_ = ['./lifter.py']
# The corpus families no stage II of the demo or of
# tools/analysis_tools/pretrain_ablation.py fine-tunes on.
heldout_families = ['jump', 'throw', 'kick', 'kneel', 'spin']
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='AmassDataset',
        data_root='data/motion_corpus/',
        ann_file='motion_corpus_h36m_50fps.npz',
        seq_len=27,
        dilation=2,
        modality='both',
        camera='h36m',
        camera_subject='S9',
        cameras=[0, 2],
        downsample=4,
        subsets=heldout_families,
        seed=0))
val_dataloader = test_dataloader
