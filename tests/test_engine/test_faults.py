"""Fault injection: each row is an end-to-end run of the tools on the smoke
config (a tiny PoseLifter, 6 iterations, a checkpoint every 2) with one
fault, and what the user gets.

=====================================  ======================================
fault                                  expected result
=====================================  ======================================
kill -9 mid-training, ``--resume``     same final weights as a straight run
kill -9 mid-save, ``--resume``         stale ``.iter_4.pth.*.tmp`` removed;
                                       same final weights
SIGINT (Ctrl-C), ``--resume``          exit 130 + resume command, no
                                       traceback; same final weights
full disk while saving, ``--resume``   clear error, previous checkpoint kept;
                                       same final weights
flipped bytes in the latest ckpt       test.py: "unreadable ... corrupt",
                                       names the intact iter_4.pth, exit 1,
                                       no traceback; ``--resume`` skips it,
                                       same final weights
truncated / empty checkpoint           test.py and init_lifter: unreadable,
                                       corrupt, intact one named
pickle payload inside work_dirs/       refused by test.py, train.py
                                       --resume, init_lifter, publish_model,
                                       init_cfg; the payload never runs
own files, other folders               train -> test, stage I -> stage II,
                                       publish: no --trust-checkpoint needed
=====================================  ======================================

The straight run and most runs are in-process (``tools/*.py`` ``main``);
the runs that are killed or interrupted are subprocesses frozen at a chosen
point by ``fault_hook.FaultHook``. Helpers and the tiny data come from
test_resume.py.
"""
import importlib.util
import itertools
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys

import pytest
import torch

from mpm.engine import configure_trust, find_last_checkpoint

HERE = osp.dirname(osp.abspath(__file__))


def _load_by_path(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RESUME = _load_by_path('mpm_test_resume_helpers',
                       osp.join(HERE, 'test_resume.py'))
REPO = RESUME.REPO
TEST_PY = osp.join(REPO, 'tools', 'test.py')
PUBLISH_PY = osp.join(REPO, 'tools', 'model_converters', 'publish_model.py')
SMOKE = osp.join(REPO, 'configs', 'demo', 'smoke.py')
ITERS, INTERVAL = 6, 2
data_root = RESUME.data_root  # the tiny synthetic Human3.6M fixture

#: The frozen subprocesses load fault_hook.py from this folder.
FAULT_CONFIG = '''
_base_ = [{base!r}]
custom_imports = dict(imports=['fault_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='FaultHook', marker={marker!r}, {where})]
'''


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """The killed runs are subprocesses with OMP_NUM_THREADS=1; bitwise
    equality of final weights holds only at the same thread count (a GEMM's
    reduction order depends on it), so the in-process runs use one too."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def reset_trust():
    yield
    configure_trust()


@pytest.fixture(scope='module')
def straight(data_root, tmp_path_factory):
    """The uninterrupted run: config path and work dir (iter_2/4/6.pth)."""
    tmp = tmp_path_factory.mktemp('straight')
    config = RESUME.write_config(tmp, RESUME.TINY_LIFTER, 'smoke.py',
                                 data_root, ITERS, INTERVAL)
    work = tmp / 'work'
    RESUME.train(config, work, 'faults_straight')
    return config, work


def final_weights(work):
    return RESUME.load(work / f'iter_{ITERS}.pth')['state_dict']


def assert_same_final_weights(straight_work, work):
    RESUME.assert_same_tensors(final_weights(straight_work),
                               final_weights(work), 'state_dict')


def _default_sigint():
    """In the child before exec: SIGINT back to its default action. A suite
    started as a background job (``make test &``, nohup) inherits SIGINT
    ignored, and Python then never raises KeyboardInterrupt, so the SIGINT
    row would wait for a process that cannot be interrupted."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def frozen_run(config, tmp_path, work, **where):
    """Start tools/train.py in a subprocess and return it once FaultHook
    froze it (its marker file exists)."""
    marker = tmp_path / 'frozen'
    fault = tmp_path / 'fault.py'
    fault.write_text(FAULT_CONFIG.format(
        base=config, marker=str(marker),
        where=', '.join(f'{k}={v!r}' for k, v in where.items())))
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([REPO, HERE]))
    proc = subprocess.Popen(
        [sys.executable, RESUME.TRAIN_PY, str(fault), '--work-dir',
         str(work)], cwd=REPO, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        preexec_fn=_default_sigint)
    RESUME.wait_for(marker, proc, timeout=120)
    return proc


def resume(config, work, name, *extra):
    return RESUME.train(config, work, name, '--resume', *extra)


def console_logger(name):
    """A fresh MMEngine logger, made the 'current' one: what train.py logs
    before its runner exists goes to the (captured) console."""
    from mmengine.logging import MMLogger
    return MMLogger.get_instance(f'faults_console_{name}')


def corrupt_copy(straight_work, dest, edit):
    """Copy the straight run's checkpoints to ``dest`` and spoil the latest
    with ``edit(bytes) -> bytes``."""
    dest.mkdir()
    for n in range(INTERVAL, ITERS + 1, INTERVAL):
        shutil.copy(straight_work / f'iter_{n}.pth', dest)
    (dest / 'last_checkpoint').write_text(str(dest / f'iter_{ITERS}.pth'))
    latest = dest / f'iter_{ITERS}.pth'
    latest.write_bytes(edit(latest.read_bytes()))
    return latest


def flip_4k(data):
    """Invert up to 4 KiB of the largest tensor's bytes (the zip structure
    stays valid, so only the CRCs can tell)."""
    import io
    import struct
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = max((i for i in archive.infolist() if '/data/' in i.filename),
                   key=lambda i: i.file_size)
    name_len, extra_len = struct.unpack(
        '<HH', data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    end = start + min(4096, info.file_size)
    return data[:start] + bytes(b ^ 0xFF for b in data[start:end]) + \
        data[end:]


_TEST_PY_RUNS = itertools.count()


def run_test_py(config, checkpoint, work_dir, *extra):
    """tools/test.py in this process; returns its SystemExit message or
    metrics. Each call names its runner apart: two runs within one second
    would otherwise share MMEngine's config-name + timestamp instance name
    (and MMEngine warns about the reused name)."""
    tool = _load_by_path('mpm_tools_test', TEST_PY)
    name = f'faults_test_py_{os.getpid()}_{next(_TEST_PY_RUNS)}'
    return tool.main([config, str(checkpoint), '--work-dir', str(work_dir),
                      '--cfg-options', f'experiment_name={name}', *extra])


# ---------------------------------------------------------------------------
# Killed, interrupted, out of space: resume gives the straight run's weights
# ---------------------------------------------------------------------------
def test_kill_9_mid_training_then_resume(straight, tmp_path):
    config, straight_work = straight
    work = tmp_path / 'work'
    proc = frozen_run(config, tmp_path, work, pause_after_iter=3)
    proc.kill()
    proc.communicate(timeout=60)
    assert find_last_checkpoint(work) == str(work / 'iter_2.pth')
    resume(config, work, 'faults_kill_train')
    assert_same_final_weights(straight_work, work)


def test_kill_9_mid_save_then_resume_cleans_up(straight, tmp_path, capsys):
    config, straight_work = straight
    work = tmp_path / 'work'
    proc = frozen_run(config, tmp_path, work, freeze_save_at=4)
    proc.kill()
    proc.communicate(timeout=60)
    stale = [f for f in os.listdir(work) if f.endswith('.tmp')]
    assert len(stale) == 1 and stale[0].startswith('.iter_4.pth.'), stale
    assert not (work / 'iter_4.pth').exists()
    console_logger('kill_save')
    resume(config, work, 'faults_kill_save')
    assert not [f for f in os.listdir(work) if f.endswith('.tmp')]
    assert stale[0] in capsys.readouterr().out  # the removal is reported
    assert_same_final_weights(straight_work, work)


def test_sigint_exits_130_then_resume(straight, tmp_path):
    config, straight_work = straight
    work = tmp_path / 'work'
    proc = frozen_run(config, tmp_path, work, pause_after_iter=3)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out[-3000:]
    assert 'Training interrupted by Ctrl-C' in out
    assert f'The last checkpoint is {work / "iter_2.pth"}' in out
    assert 'Resume with:' in out and '--resume' in out
    assert 'Traceback' not in out
    resume(config, work, 'faults_sigint')
    assert_same_final_weights(straight_work, work)


def test_full_disk_keeps_previous_checkpoint_then_resume(
        straight, tmp_path, monkeypatch):
    """ENOSPC half-way through the 2nd checkpoint with max_keep_ckpts=1:
    a clear error, iter_2.pth (the only one kept) still loads, no partial
    file, and resuming from it gives the straight run's weights."""
    import errno
    import io

    from mpm.engine import load_checkpoint_file
    config, straight_work = straight
    real_save = torch.save
    calls = []

    def save_filling_the_disk(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) < 2:
            return real_save(obj, f, *args, **kwargs)
        buffer = io.BytesIO()
        real_save(obj, buffer)
        f.write(buffer.getvalue()[:len(buffer.getvalue()) // 2])
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(torch, 'save', save_filling_the_disk)
    work = tmp_path / 'work'
    keep_one = 'default_hooks.checkpoint.max_keep_ckpts=1'
    with pytest.raises(OSError) as info:
        RESUME.train(config, work, 'faults_disk_full', '--cfg-options',
                     keep_one)
    monkeypatch.undo()
    message = str(info.value)
    for fragment in ('iter_4.pth', 'No space left on device',
                     'earlier checkpoints', 'are untouched',
                     'free disk space', '--resume'):
        assert fragment in message, message
    assert info.value.errno == errno.ENOSPC
    files = sorted(os.listdir(work))
    assert 'iter_4.pth' not in files
    assert not [f for f in files if f.endswith('.tmp')], files
    assert find_last_checkpoint(work) == str(work / 'iter_2.pth')
    assert load_checkpoint_file(work / 'iter_2.pth')['meta']['iter'] == 2
    resume(config, work, 'faults_disk_full_resumed', '--cfg-options',
           keep_one)
    assert_same_final_weights(straight_work, work)


# ---------------------------------------------------------------------------
# Corrupt files
# ---------------------------------------------------------------------------
def test_flipped_bytes_test_py_reports_and_resume_skips(straight, tmp_path,
                                                        capsys):
    config, straight_work = straight
    work = tmp_path / 'work'
    latest = corrupt_copy(straight_work, work, flip_4k)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run(
        [sys.executable, TEST_PY, config, str(latest), '--work-dir',
         str(work)], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    err = proc.stderr
    assert f"Checkpoint '{latest}' is unreadable: it is corrupt" in err, err
    assert 'CRC-32 mismatch' in err
    assert str(work / 'iter_4.pth') in err
    assert 'Traceback' not in err and 'does not fit' not in err
    assert not (work / 'metrics.json').exists()

    # --resume (auto) skips it for iter_4.pth and says so.
    console_logger('flipped')
    resume(config, work, 'faults_flipped_resumed')
    out = capsys.readouterr().out
    assert 'Skipping corrupt checkpoint' in out and str(latest) in out
    assert f"resuming from '{work / 'iter_4.pth'}'" in out
    assert_same_final_weights(straight_work, work)


@pytest.mark.parametrize('edit', [
    pytest.param(lambda data: data[:len(data) // 2], id='truncated'),
    pytest.param(lambda data: b'', id='empty'),
])
def test_truncated_and_empty_checkpoints(straight, tmp_path, edit):
    from mpm.apis.inference import init_lifter
    config, straight_work = straight
    work = tmp_path / 'work'
    latest = corrupt_copy(straight_work, work, edit)
    with pytest.raises(SystemExit) as info:
        run_test_py(config, latest, work)
    message = str(info.value)
    assert f"Checkpoint '{latest}' is unreadable: it is corrupt" in message
    assert f"'{work / 'iter_4.pth'}'" in message
    assert 'does not fit' not in message
    with pytest.raises(Exception) as info:
        init_lifter(config, str(latest))
    assert 'unreadable: it is corrupt' in str(info.value)
    assert str(work / 'iter_4.pth') in str(info.value)


# ---------------------------------------------------------------------------
# A pickle payload saved into work_dirs/ never runs
# ---------------------------------------------------------------------------
class Payload:
    """Unpickling this object runs a shell command that creates a file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture
def evil(straight, tmp_path, monkeypatch):
    """A real training checkpoint plus a payload, saved as
    ./work_dirs/demo/iter_6.pth (the current directory is tmp_path)."""
    _, straight_work = straight
    ckpt = RESUME.load(straight_work / f'iter_{ITERS}.pth')
    marker = tmp_path / 'payload_ran'
    ckpt['extra'] = Payload(marker)
    ckpt['meta'].pop('payload_sha256', None)  # written by other code
    work = tmp_path / 'work_dirs' / 'demo'
    work.mkdir(parents=True)
    path = work / f'iter_{ITERS}.pth'
    torch.save(ckpt, path)
    monkeypatch.chdir(tmp_path)
    return path, marker


def assert_refused(call, path, marker):
    with pytest.raises((Exception, SystemExit)) as info:
        call()
    message = str(info.value)
    assert 'Refusing to load' in message and str(path) in message, message
    assert 'system' in message  # the global it wanted is named
    assert not marker.exists(), 'the payload ran'


def test_payload_in_work_dirs_refused_by_test_py(straight, evil, tmp_path):
    config, _ = straight
    path, marker = evil
    assert_refused(lambda: run_test_py(config, path, path.parent), path, marker)


def test_payload_in_work_dirs_refused_by_resume(straight, evil):
    config, _ = straight
    path, marker = evil
    assert_refused(
        lambda: RESUME.train(config, path.parent, 'faults_evil_resume',
                             '--resume', str(path)), path, marker)
    assert_refused(lambda: resume(config, path.parent, 'faults_evil_auto'),
                   path, marker)


def test_payload_in_work_dirs_refused_by_init_lifter(straight, evil):
    from mpm.apis.inference import init_lifter
    config, _ = straight
    path, marker = evil
    assert_refused(lambda: init_lifter(config, str(path)), path, marker)


def test_payload_in_work_dirs_refused_by_publish_model(evil, tmp_path):
    path, marker = evil
    publish = _load_by_path('mpm_publish_model', PUBLISH_PY)
    rel = osp.join('work_dirs', 'demo', path.name)
    assert_refused(lambda: publish.main([rel, 'release.pth']), rel, marker)
    assert not list(tmp_path.glob('release*'))


def test_payload_in_work_dirs_refused_by_init_cfg(straight, evil, tmp_path):
    config, _ = straight
    path, marker = evil
    assert_refused(
        lambda: RESUME.train(config, tmp_path / 'stage2', 'faults_evil_init',
                             '--cfg-options', 'model.init_cfg.type='
                             'PretrainedParts',
                             f'model.init_cfg.checkpoint={path}'), path,
        marker)


def test_trust_checkpoint_runs_the_payload_and_warns(straight, evil, capsys):
    """Control: the payload is real; --trust-checkpoint (and only it) runs
    it, naming the file at WARNING."""
    from mpm.apis.inference import init_lifter
    config, _ = straight
    path, marker = evil
    console_logger('trust')
    init_lifter(config, str(path), trust_checkpoint=True)
    assert marker.exists()
    out = capsys.readouterr().out
    assert 'WARNING' in out and f"fully unpickling '{path}'" in out


# ---------------------------------------------------------------------------
# The user's own files work everywhere without --trust-checkpoint
# ---------------------------------------------------------------------------
def test_own_checkpoints_need_no_flag_in_any_folder(straight, tmp_path,
                                                    monkeypatch):
    config, straight_work = straight
    latest = straight_work / f'iter_{ITERS}.pth'
    # train -> test with another work dir (the default one, say).
    metrics = run_test_py(config, latest, tmp_path / 'test_elsewhere')
    assert metrics['mpjpe_mm'] > 0
    # stage I -> stage II across work dirs (init_cfg in the config).
    stage2 = tmp_path / 'stage2.py'
    stage2.write_text(
        f'_base_ = [{config!r}]\n'
        f'model = dict(init_cfg=dict(type="PretrainedParts", '
        f'checkpoint={str(latest)!r}, key_map={{"encoder.": "encoder.", '
        f'"trunk.": "trunk."}}))\n')
    runner = RESUME.train(str(stage2), tmp_path / 'stage2_work',
                          'faults_stage2', '--cfg-options',
                          'train_cfg.max_iters=1')
    log = open(runner.logger.log_file).read()
    assert f'load_pretrained_parts: {latest} -> PoseLifter' in log
    # publish from outside ./work_dirs/.
    monkeypatch.chdir(tmp_path)
    publish = _load_by_path('mpm_publish_model', PUBLISH_PY)
    final = publish.main([str(latest), 'release.pth'])
    published = torch.load(final, weights_only=True)
    RESUME.assert_same_tensors(published['state_dict'],
                               final_weights(straight_work), 'state_dict')
