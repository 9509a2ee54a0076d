"""tools/analysis_tools/get_flops.py: JSON layout and the paper's numbers."""
import importlib.util
import json
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(name, path):
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_get_flops_json_for_pstmo_config(tmp_path, capsys):
    tool = load_tool('get_flops', 'tools/analysis_tools/get_flops.py')
    out = tmp_path / 'flops.json'
    tool.main([osp.join(ROOT, 'configs/pstmo/finetune_h36m_cpn_243f.py'),
               '--json', str(out)])
    result = json.loads(out.read_text())
    assert set(result) == {'full', 'paper', 'modules'}
    assert result['full']['params'] == 7_009_382
    assert result['paper']['params'] == 6_750_310
    assert round(result['paper']['flops'] / 1e6, 1) == 1736.7
    # MPM Table 5: the strided transformer alone, paper convention.
    layers = result['modules']['decoder.layers']
    assert layers['paper_params'] == 3_941_120
    assert round(layers['paper_flops'] / 1e6, 1) == 380.6
    # Attention products only in the full count.
    assert result['full']['flops'] > result['paper']['flops']
    printed = capsys.readouterr().out
    assert '| module |' in printed and '1,736.7' in printed


def test_mpm_part_table_at_16_joints_matches_table5(tmp_path, capsys):
    tool = load_tool('get_flops', 'tools/analysis_tools/get_flops.py')
    out = tmp_path / 'parts.json'
    tool.main([
        osp.join(ROOT, 'configs/mpm/pretrain_h36m_243f.py'), '--stage2',
        osp.join(ROOT, 'configs/mpm/finetune_h36m_cpn_243f.py'),
        '--num-joints', '16', '--json', str(out)
    ])
    parts = json.loads(out.read_text())['parts']
    assert list(parts) == [
        '2D encoder', '3D encoder', 'shared layers', '2D decoder',
        '3D decoder (stage I)', '3D decoder (stage II)'
    ]
    # PAPER_FACTS: Linear(16*2 -> 512) + BN = 17,920; Linear(48 -> 512) + BN
    # = 26,112; the strided transformer alone 3,941,120 (Table 5 3,941.1K).
    assert parts['2D encoder']['paper_params'] == 16 * 2 * 512 + 512 + 1024
    assert parts['3D encoder']['paper_params'] == 16 * 3 * 512 + 512 + 1024
    assert parts['3D decoder (stage II)']['paper_params'] == 3_941_120
    # Table 5 FLOPs (one decimal, truncated): 8.9M, 12.9M, 380.6M.
    for name, paper in [('2D encoder', 8.9e6), ('3D encoder', 12.9e6),
                        ('3D decoder (stage II)', 380.6e6)]:
        assert 0 <= parts[name]['paper_flops'] - paper < 0.1e6, name
    # Linear MACs alone: 243 frames x 32 x 512 (x2 for FLOPs), BN on top.
    assert parts['2D encoder']['paper_flops'] > 2 * 243 * 32 * 512
    # Shared layers = spatial MLP (658,688) + 4 temporal layers without their
    # LayerNorms (4 x (527,104 - 1,024)).
    assert parts['shared layers']['paper_params'] == 658_688 + 4 * 526_080
    assert '| 3D decoder (stage II) | ' in capsys.readouterr().out
