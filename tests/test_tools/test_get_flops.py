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
