"""turnctl's local AWS sandbox: the moto server, with small additions where moto lacks an API turnctl uses.

Run as `python3 sandbox/moto_server.py PORT`. Patches live in sandbox/patches/ (one module per gap), each
documented with the real AWS behaviour it imitates; they are applied before the server starts.
"""
import importlib
import os
import pkgutil
import sys


def apply_patches():
    here = os.path.dirname(os.path.abspath(__file__))
    patches_dir = os.path.join(here, "patches")
    if not os.path.isdir(patches_dir):
        return
    sys.path.insert(0, here)
    for mod in sorted(m.name for m in pkgutil.iter_modules([patches_dir])):
        importlib.import_module(f"patches.{mod}").apply()


def main():
    port = sys.argv[1] if len(sys.argv) > 1 else "5000"
    # Real accounts have the AWS managed policies (e.g. AWSLambdaBasicExecutionRole); moto loads them only when asked.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    apply_patches()
    from moto.server import main as moto_main

    moto_main(["-H", "127.0.0.1", "-p", port])


if __name__ == "__main__":
    main()
