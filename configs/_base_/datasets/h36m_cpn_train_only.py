# Human3.6M CPN windows for training only: no validation or test set and no
# loops for them (stage I pre-training has no metric; tools/test.py
# evaluates the stage II model).
_base_ = ['./h36m_cpn.py']
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
