"""Install mpm: ``pip install -e .`` (``.[tests]`` adds pytest; extras:
``optional``, ``text``, ``video``, ``onnx``)."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name):
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    with open(path) as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


def read_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'mpm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mpm',
    version=read_version(),
    description='Masked pose modeling and 2D-to-3D human pose lifting '
    '(MPM, P-STMO) on MMEngine',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mpm', 'mpm.*']),
    package_data={
        'mpm.utils': ['data/*.json'],
        'mpm.models.text_encoders': ['data/*.npz'],
    },
    include_package_data=True,
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
        'text': read_requirements('text.txt'),
        'video': read_requirements('video.txt'),
        'onnx': read_requirements('onnx.txt'),
    },
    license='Apache-2.0',
)
