# The two commands a newcomer runs:  make demo   and   make test
PY ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA := data/synthetic_h36m
CORPUS := data/motion_corpus
DEMO_DIR := work_dirs/demo

.PHONY: install test demo data clean

$(STAMP): setup.py requirements/runtime.txt requirements/tests.txt requirements/onnx.txt
	test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install -q torch==2.13.0
	$(PYTHON) -m pip install -q -e '.[tests,onnx]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PYTHON) -m pytest -q tests

$(DATA)/data_3d_h36m.npz: $(STAMP)
	$(PYTHON) tools/dataset_converters/make_synthetic_h36m.py --out-dir $(DATA)

$(CORPUS)/motion_corpus_h36m_50fps.npz: $(STAMP)
	$(PYTHON) tools/dataset_converters/make_motion_corpus.py --out-dir $(CORPUS)

data: $(DATA)/data_3d_h36m.npz $(CORPUS)/motion_corpus_h36m_50fps.npz

demo: $(STAMP) $(DATA)/data_3d_h36m.npz $(CORPUS)/motion_corpus_h36m_50fps.npz
	bash tools/run_demo.sh $(PYTHON) $(DEMO_DIR)

clean:
	rm -rf $(DEMO_DIR) $(DATA) $(CORPUS)
