"""Writes the package's type stubs from the installed extension with nanobind's stubgen.

    python python/generate_stubs.py [OUTPUT_DIR]     (default: python/infoscale)

infoscale/__init__.pyi is the stub of infoscale._core (which __init__.py re-exports) and
infoscale/entropic.pyi that of its submodule. tests/test_stubs.py regenerates them into a
temporary folder and checks that the committed files match.
"""

import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def generate(output_dir: pathlib.Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "nanobind.stubgen", "-q", "-r", "-m", "infoscale._core", "-O", tmp],
            check=True,
            cwd=tmp,  # not python/, whose source package would shadow the installed one
        )
        core = pathlib.Path(tmp, "_core", "__init__.pyi").read_text()
        entropic = pathlib.Path(tmp, "_core", "entropic.pyi").read_text()
    core = core.replace("from infoscale._core import entropic as entropic",
                        "from . import entropic as entropic")
    core = core.replace("infoscale._core.", "")
    entropic = entropic.replace("infoscale._core.entropic.", "")
    (output_dir / "__init__.pyi").write_text(core)
    (output_dir / "entropic.pyi").write_text(entropic)
    (output_dir / "py.typed").write_text("")


if __name__ == "__main__":
    generate(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "infoscale")
