"""`zaro sql`: print the assessment compiled to one SQL query (DuckDB, Spark or PostgreSQL)."""

from __future__ import annotations

import click

from scoring.cli._group import card_option, main, tree_option


@main.command("sql")
@card_option
@tree_option
@click.option("--no-tree", is_flag=True, help="Compile the card alone (no tree, no tree columns).")
@click.option("--dialect", type=click.Choice(["duckdb", "spark", "postgres"]), default="duckdb", show_default=True)
@click.option("--table", default="vignettes", show_default=True, help="The table holding the vignettes.")
@click.option("--rejects", "rejects", is_flag=True, help="Print the query of the rejected rows instead.")
def sql_command(card_name: str, tree_path: str | None, no_tree: bool, dialect: str, table: str, rejects: bool) -> None:
    """Print one SQL SELECT that scores a table of vignettes as `zaro assess` does.

    \b
    zaro sql --dialect spark > assess.sql
    zaro sql --rejects --dialect postgres

    The table has the contract's columns (and vignette_id); the query returns the valid rows
    with the columns `zaro assess` writes, and --rejects returns one line per problem.
    """
    from scoring.sql import rejects_sql, to_sql

    if rejects:
        click.echo(rejects_sql(dialect=dialect, table=table))
        return
    tree = None if no_tree else (tree_path or "default")
    click.echo(to_sql(card=card_name, tree=tree, dialect=dialect, table=table))
