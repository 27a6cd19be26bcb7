"""Writes the package's type stubs from the installed extension with nanobind's stubgen.

    python python/generate_stubs.py [OUTPUT_DIR]     (default: python/infoscale)

infoscale/__init__.pyi is the stub of infoscale._core (which __init__.py re-exports), plus the
pure-Python names __init__.py adds; entropic.pyi, layers.pyi and hvib.pyi are those of its
submodules. tests/test_runtime.py regenerates them into a temporary folder and checks that the
committed files match.
"""

import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SUBMODULES = ("entropic", "layers", "hvib", "lm", "manifold")
# Names __init__.py imports from pure-Python modules of the package (typed inline).
PYTHON_EXPORTS = (
    "from .pipeline import LayerAnalysis as LayerAnalysis, analyse_dump as analyse_dump, "
    "analyse_layers as analyse_layers\n"
    "from .report import LayerReport as LayerReport\n"
)


def generate(output_dir: pathlib.Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "nanobind.stubgen", "-q", "-r", "-m", "infoscale._core", "-O", tmp],
            check=True,
            cwd=tmp,  # not python/, whose source package would shadow the installed one
        )
        core = pathlib.Path(tmp, "_core", "__init__.pyi").read_text()
        subs = {name: pathlib.Path(tmp, "_core", name + ".pyi").read_text() for name in SUBMODULES}
    core = core.replace("from infoscale._core import", "from . import")  # the submodules
    core = core.replace("infoscale._core.", "")
    core = core.rstrip("\n") + "\n\n" + PYTHON_EXPORTS
    for name, text in subs.items():
        text = text.replace(f"infoscale._core.{name}.", "").replace("infoscale._core.", "infoscale.")
        (output_dir / (name + ".pyi")).write_text(text)
    (output_dir / "__init__.pyi").write_text(core)
    (output_dir / "py.typed").write_text("")


if __name__ == "__main__":
    generate(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "infoscale")
