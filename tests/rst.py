# SPDX-License-Identifier: GPL-2.0
"""The reStructuredText tables that make mutants, make integrity and
make fuzz write into docs/."""


def write_table(path, title, intro, header, rows):
    """Writes TITLE, the INTRO paragraph and a list-table of ROWS (tuples
    as long as HEADER) to PATH."""
    with open(path, "w") as f:
        f.write("%s\n%s\n\n%s\n\n" % (title, "=" * len(title), intro))
        f.write(".. list-table::\n   :header-rows: 1\n\n")
        for row in [header] + list(rows):
            f.write("   * - %s\n" % row[0])
            for cell in row[1:]:
                f.write("     - %s\n" % cell)
