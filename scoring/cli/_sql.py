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
@click.option(
    "--table",
    default="vignettes",
    show_default=True,
    help="The table holding the vignettes: a plain name (letters, digits, _; schema.table), quoted in the query.",
)
@click.option(
    "--from-sql",
    "from_sql",
    default=None,
    metavar="EXPRESSION",
    help="A table expression written into the query as it is, e.g. \"read_csv('in.csv')\" (instead of --table).",
)
@click.option(
    "--columns",
    default=None,
    metavar="NAMES",
    help="The table's columns, comma-separated; absent optional fields take their defaults. "
    "Without it DuckDB's query adds the absent ones itself; Spark's and PostgreSQL's expect every field.",
)
@click.option("--rejects", "rejects", is_flag=True, help="Print the query of the rejected rows instead.")
def sql_command(
    card_name: str,
    tree_path: str | None,
    no_tree: bool,
    population: str,
    policy: str,
    dialect: str,
    table: str,
    from_sql: str | None,
    columns: str | None,
    rejects: bool,
) -> None:
    """Print one SQL SELECT that scores a table of vignettes as `zaro assess` does.

    \b
    zaro sql --dialect spark > assess.sql
    zaro sql --policy risk --population community --dialect postgres
    zaro sql --rejects --dialect postgres

    The table has the contract's columns (and vignette_id); absent optional ones take their
    defaults (DuckDB adds them; give --columns for Spark and PostgreSQL). The query returns
    the valid rows with the columns `zaro assess` writes (the risks for --population, the
    recommendation of --policy), and --rejects returns one line per problem.
    """
    from scoring.sql import rejects_sql, table_name, to_sql, with_every_field

    if from_sql is not None and table != "vignettes":
        raise click.UsageError("give --table or --from-sql, not both")
    if from_sql is not None and not from_sql.strip():
        raise click.UsageError("--from-sql is empty; give a table expression such as \"read_csv('in.csv')\"")
    try:
        source = from_sql if from_sql is not None else table_name(table, dialect)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    names = None if columns is None else [name.strip() for name in columns.split(",") if name.strip()]
    if names is None and dialect == "duckdb":
        source = with_every_field(source)
    if rejects:
        click.echo(rejects_sql(dialect=dialect, table=source, columns=names))
        return
    tree = None if no_tree else (tree_path or "default")
    if no_tree and tree_path:
        raise click.UsageError("give --tree or --no-tree, not both")
    click.echo(
        to_sql(
            card=card_name,
            tree=tree,
            population=population,
            policy=policy,
            dialect=dialect,
            table=source,
            columns=names,
        )
    )
