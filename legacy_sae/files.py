"""Files written whole or not at all.

A run stopped by Ctrl-C, SIGTERM or a full disk must leave either the previous file or the new
one, never half of one: run records, sweep results, the SdA's state and `--result-json` are
written to a partial file beside the target, which replaces it in one step.
"""
import json
import os


def write_json(path, data, **options):
    """`json.dump(data, ..., **options)` into `path`, replacing it atomically; on failure the
    partial file is removed and `path` is left as it was."""
    partial = path + ".partial"
    try:
        with open(partial, "w", encoding="utf-8") as stream:
            json.dump(data, stream, **options)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
