"""How much of PyTorch's public API ember has, namespace by namespace.

    python bench/api_coverage.py            # the table
    python bench/api_coverage.py --missing  # and the names still missing (the `pending` ones)

Coverage is taken over torch's public names less those api_exclusions.txt excludes with a reason
(JIT, quantization, sparse, complex, ...); `pending` names count as missing.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "python"))
import api_surface  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list the missing names")
    args = parser.parse_args()
    rows = api_surface.surfaces()
    print(f"{'namespace':<15} {'torch':>6} {'excluded':>9} {'counted':>8} {'ember has':>10} {'coverage':>9}")
    for s in rows:
        counted = len(s.counted)
        print(f"{s.key:<15} {len(s.torch_names):>6} {len(s.excluded):>9} {counted:>8} "
              f"{counted - len(s.missing):>10} {100 * s.coverage:>8.1f}%")
    if args.missing:
        for s in rows:
            if s.missing:
                print(f"\n{s.key} ({len(s.missing)} missing): " + " ".join(s.missing))


if __name__ == "__main__":
    main()
