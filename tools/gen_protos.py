"""Regenerates graphflow/proto/*_pb2.py from proto/graphflow/proto/*.proto.

Needs grpcio-tools (a development tool, not a runtime dependency):
    python tools/gen_protos.py [--out DIR]
tests/io/test_protos.py checks that the committed modules are current.
"""

import argparse
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"


def generate(out_dir):
    """Writes graphflow/proto/*_pb2.py under `out_dir` (the repo root by default)."""
    sources = sorted(str(p.relative_to(PROTO_ROOT)) for p in
                     (PROTO_ROOT / "graphflow" / "proto").glob("*.proto"))
    cmd = [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_ROOT}",
           f"--python_out={out_dir}", *sources]
    subprocess.run(cmd, check=True, cwd=PROTO_ROOT)
    return sorted((pathlib.Path(out_dir) / "graphflow" / "proto").glob("*_pb2.py"))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT))
    args = parser.parse_args()
    for path in generate(args.out):
        print(path)


if __name__ == "__main__":
    main()
