"""The ``dahpkg`` command line: a thin shell over the Python API, one module per command.

Exit codes (every command):

- 0: success (for ``validate``: the data are valid; warnings are allowed unless ``--strict``)
- 1: the data break a rule (``validate``), or generated files differ (``build --check``)
- 2: the input cannot be read (missing path, not UTF-8, malformed JSON, CSV or XLSX) or the
  command was used wrongly; a one-line reason is printed, never a traceback
- 3: a deposit failed at the repository or on the network (``deposit``); the state file keeps
  what was done and the same command resumes it
"""

from __future__ import annotations

import click

from dahpkg import __version__
from dahpkg.cli import (
    build,
    deposit,
    export,
    fair,
    import_,
    init,
    merge,
    privacy,
    reproduce,
    rules,
    summary,
    table1,
    template,
    validate,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dahpkg")
def main() -> None:
    """Validate and publish the immune-mediated diffuse alveolar haemorrhage case series.

    Run `dahpkg validate` to check the shipped data package, or `dahpkg validate FILE` to check
    your own episodes (CSV or XLSX with the columns of the data dictionary).
    """


for _command in (validate.validate, build.build, table1.table1, reproduce.reproduce,
                 summary.summary, export.export, fair.fair, deposit.deposit, privacy.privacy,
                 rules.rules, template.template):  # fmt: skip
    main.add_command(_command)
main.add_command(init.init)
main.add_command(import_.import_)
main.add_command(merge.merge)
