"""Plug-in projects built on mpm (see projects/README.md).

This file makes ``projects`` an importable package, so that configs can load
a project with ``custom_imports = dict(imports=['projects.<name>.<name>'])``
when the repository root is on ``sys.path`` (the current directory for
``python -m ...``; ``PYTHONPATH=.`` for ``python tools/train.py``).
"""
