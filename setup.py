"""mmautomix: AutoMix (ECCV 2022) for the OpenMMLab 2.0 stack.

`mim train mmautomix CONFIG` looks for `<pkg_root>/.mim/{tools,configs,model-index.yml}`,
where pkg_root comes from the installed distribution's location. A `setup.py develop`
install (what `tools/install.sh` does) puts that location in this repository, and the
`.mim` folder then holds symbolic links to the real folders; wheels and sdists get copies.
A PEP 660 editable install (`pip install -e .`) puts it in site-packages, where no
`mmautomix/` folder exists, so mim cannot find the tools: see README "Install".
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('tools', 'configs', 'model-index.yml')


def read_version():
    ns = {}
    with open(osp.join(HERE, 'mmautomix', 'version.py')) as f:
        exec(f.read(), ns)
    return ns['__version__']


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]


def add_mim_extension():
    """Link (develop) or copy (wheel/sdist) tools, configs and model-index.yml into
    mmautomix/.mim, where `mim train/test` looks for them."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'build_py'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(HERE, 'mmautomix', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


def setup_kwargs():
    """Installing needs torch alone (``mmautomix.core``); the OpenMMLab stack (the
    registered modules, tools and configs) is the ``mm`` extra."""
    return dict(
        name='mmautomix',
        version=read_version(),
        description='AutoMix: learnable mixup (ECCV 2022) in plain PyTorch and for '
                    'mmpretrain/mmengine',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'examples')),
        include_package_data=True,
        python_requires='>=3.9',
        install_requires=read_requirements('core.txt'),
        extras_require={'mm': read_requirements('mminstall.txt'),
                        'tests': read_requirements('tests.txt'),
                        'mixups': read_requirements('mixups.txt')},
        zip_safe=False,
    )


if __name__ == '__main__':
    add_mim_extension()
    setup(**setup_kwargs())
