"""`graphflow-view`: draw a graph file, events file or logdir as HTML, SVG, PNG, PDF or DOT.

    graphflow-view ./logs -o graph.html
    graphflow-view model.pb -o graph.svg -o graph.html --expand all
    graphflow-view ./logs --run-metadata step10 --color compute -o timing.html
"""

import argparse
import os
import sys

from graphflow import viewer


def _parser():
    parser = argparse.ArgumentParser(
        prog="graphflow-view", description="Draw a TensorFlow/graphflow graph without a server.")
    parser.add_argument("path", help="a .pb/.pbtxt GraphDef, a meta graph, an events file or "
                                     "a logdir (from graphflow or TensorFlow)")
    parser.add_argument("-o", "--output", action="append",
                        help="output file; the suffix picks the format (.html, .svg, .png, "
                             ".pdf, .dot); repeat for several (default: <name>.html)")
    parser.add_argument("-f", "--format", choices=viewer.FORMATS,
                        help="output format, overriding the suffix")
    parser.add_argument("--run-metadata", metavar="TAG",
                        help="color by the run metadata with this tag (FileWriter."
                             "add_run_metadata); 'latest' for the last one")
    parser.add_argument("--expand", nargs="+", default=["auto"], metavar="SCOPE",
                        help="scopes expanded at first: auto (default), all, none, or scope "
                             "paths")
    parser.add_argument("--color", default=None, choices=("kind", "device", "compute",
                                                          "memory"),
                        help="node colors (default: compute with --run-metadata, else kind)")
    parser.add_argument("--title", help="title of the drawing (default: the file name)")
    return parser


def main(argv=None):
    """Runs the command; returns its exit status (0 ok, 1 error)."""
    args = _parser().parse_args(argv)
    run_metadata = args.run_metadata
    if run_metadata == "latest":
        run_metadata = True
    expand = args.expand[0] if len(args.expand) == 1 and args.expand[0] in (
        "auto", "all", "none") else args.expand
    color = args.color or ("compute" if run_metadata else "kind")
    outputs = args.output or [_default_output(args.path)]
    try:
        view = viewer.render(args.path, run_metadata=run_metadata, expand=expand,
                             color_by=color, title=args.title)
        for output in outputs:
            view.save(output, args.format)
            print(output)
    except (OSError, ValueError, viewer.GraphvizNotFoundError) as err:
        print(f"graphflow-view: error: {err}", file=sys.stderr)
        return 1
    return 0


def _default_output(path):
    name = os.path.basename(os.path.normpath(path)) or "graph"
    return os.path.splitext(name)[0] + ".html"


if __name__ == "__main__":
    sys.exit(main())
