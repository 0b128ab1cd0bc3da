"""`zaro sql`: print the assessment compiled to one SQL query (DuckDB, Spark or PostgreSQL)."""

from __future__ import annotations

import click

from scoring.cli._group import card_option, main, policy_option, population_option, tree_option


@main.command("sql")
@card_option
@tree_option
@click.option("--no-tree", is_flag=True, help="Compile the card alone (no tree, no tree columns).")
@population_option(
    "community",
    "Whom the risks are for (scoring/definitions/populations.toml): community is adults who notice "
    "twitching; enriched is the learning mix the models were fitted on.",
)
@policy_option
@click.option("--dialect", type=click.Choice(["duckdb", "spark", "postgres"]), default="duckdb", show_default=True)
@click.option("--table", default="vignettes", show_default=True, help="The table holding the vignettes.")
@click.option("--rejects", "rejects", is_flag=True, help="Print the query of the rejected rows instead.")
def sql_command(
    card_name: str,
    tree_path: str | None,
    no_tree: bool,
    population: str,
    policy: str,
    dialect: str,
    table: str,
    rejects: bool,
) -> None:
    """Print one SQL SELECT that scores a table of vignettes as `zaro assess` does.

    \b
    zaro sql --dialect spark > assess.sql
    zaro sql --policy risk --population community --dialect postgres
    zaro sql --rejects --dialect postgres

    The table has the contract's columns (and vignette_id); the query returns the valid rows
    with the columns `zaro assess` writes (the risks for --population, the recommendation of
    --policy), and --rejects returns one line per problem.
    """
    from scoring.sql import rejects_sql, to_sql

    if rejects:
        click.echo(rejects_sql(dialect=dialect, table=table))
        return
    tree = None if no_tree else (tree_path or "default")
    if no_tree and tree_path:
        raise click.UsageError("give --tree or --no-tree, not both")
    click.echo(to_sql(card=card_name, tree=tree, population=population, policy=policy, dialect=dialect, table=table))
