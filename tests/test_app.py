"""`zaro app` without a browser: which notebook it serves and how it configures Voilà."""

from __future__ import annotations

import itertools
import os
import sys

import pytest
from click.testing import CliRunner

import scoring.app as app
from scoring._paths import PACKAGE_DIR, project_root
from scoring.app import AppSettings
from scoring.cli import main


def _options(command: list[str]) -> dict[str, list[str]]:
    """``--name=value`` options of a command line, by name (a list: some repeat)."""
    options: dict[str, list[str]] = {}
    for argument in command:
        if argument.startswith("--"):
            name, _, value = argument[2:].partition("=")
            options.setdefault(name, []).append(value)
    return options


def test_serves_the_checkout_notebook_in_a_checkout():
    assert project_root() is not None
    assert app.explorer_notebook() == project_root() / "notebooks" / "explorer.ipynb"


def test_serves_the_packaged_copy_without_a_checkout(monkeypatch):
    monkeypatch.setattr(app, "project_root", lambda: None)
    assert app.explorer_notebook() == PACKAGE_DIR / "notebooks" / "explorer.ipynb"


def test_says_where_it_looked_when_no_notebook_exists(monkeypatch, tmp_path):
    monkeypatch.setattr(app, "project_root", lambda: tmp_path)
    monkeypatch.setattr(app, "PACKAGED_EXPLORER", tmp_path / "missing.ipynb")
    with pytest.raises(FileNotFoundError, match="zaro\\[notebooks\\]") as caught:
        app.explorer_notebook()
    assert str(tmp_path / "notebooks" / "explorer.ipynb") in str(caught.value)


def test_voila_listens_on_localhost_with_code_hidden_in_the_offline_template():
    command = app.voila_command(AppSettings(port=9123, open_browser=False))
    assert command[:3] == [sys.executable, "-m", "scoring.app._server"]
    assert command[3].endswith("explorer.ipynb")
    options = _options(command)
    assert options["port"] == ["9123"] and options["Voila.ip"] == ["127.0.0.1"]
    assert options["strip_sources"] == ["True"] and options["show_tracebacks"] == ["False"]
    assert options["template"] == ["zaro"] and "no-browser" in options
    assert "no-browser" not in _options(app.voila_command(AppSettings(open_browser=True)))


def test_preheats_kernels_without_the_options_voila_cannot_combine_with_it():
    options = _options(app.voila_command(AppSettings(pool_size=3, max_kernels=5)))
    assert options["preheat_kernel"] == ["True"] and options["pool_size"] == ["3"]
    assert not any("progressive_rendering" in name or "prelaunch_hook" in name for name in options)
    assert _options(app.voila_command(AppSettings(pool_size=0)))["preheat_kernel"] == ["False"]


def test_caps_kernels_and_culls_idle_ones_even_with_a_page_open():
    options = _options(app.voila_command(AppSettings(max_kernels=4, cull_idle_timeout=120, cull_interval=10)))
    assert options["VoilaConfiguration.multi_kernel_manager_class"] == ["scoring.app._server.CappedKernelManager"]
    assert options["CappedKernelManager.max_kernels"] == ["4"]
    assert options["MappingKernelManager.cull_idle_timeout"] == ["120"]
    assert options["MappingKernelManager.cull_interval"] == ["10"]
    assert options["MappingKernelManager.cull_connected"] == ["True"]


def test_defaults_are_laptop_safe():
    settings = AppSettings()
    assert 1 <= settings.pool_size < settings.max_kernels <= 8
    assert settings.cull_idle_timeout <= 3600 and settings.allowed_hosts == ()


def test_only_local_host_names_unless_more_are_allowed():
    assert _options(app.voila_command())["ZaroVoila.local_hostnames"] == ["localhost"]
    options = _options(app.voila_command(AppSettings(allowed_hosts=("zaro.example.org",))))
    assert options["ZaroVoila.local_hostnames"] == ["localhost", "zaro.example.org"]


def test_the_server_turns_the_host_check_back_on():
    from scoring.app._server import ZaroVoila

    server = ZaroVoila()
    assert server.allow_remote_access is False and server.local_hostnames == ["localhost"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"pool_size": 4, "max_kernels": 4}, "--max-kernels: 4 leaves no kernel for visitors"),
        ({"port": 0}, "--port: got 0; allowed: a whole number from 1 to 65535"),
        ({"cull_idle_timeout": 0}, "--cull-idle-timeout: got 0"),
        ({"allowed_hosts": ("http://evil:80",)}, "--allow-host: got 'http://evil:80'; allowed: a bare host name"),
    ],
)
def test_bad_settings_name_the_option_the_value_and_what_is_allowed(settings, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", "\\(")):
        AppSettings(**settings)


def test_kernels_import_this_zaro_and_voila_finds_the_template():
    env = app.kernel_environment()
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(PACKAGE_DIR.parent)
    template_root = env["JUPYTER_PATH"].split(os.pathsep)[0]
    assert (app.TEMPLATE_DIR / "voila" / "templates" / "zaro" / "index.html.j2").is_file()
    assert template_root == str(app.TEMPLATE_DIR)


def test_the_template_drops_the_cdn_links_and_adds_a_main_landmark():
    from voila.paths import collect_template_paths

    from scoring.app import TEMPLATE_DIR

    paths = collect_template_paths(["voila", "nbconvert"], "zaro", root_dirs=[str(TEMPLATE_DIR)], prune=True)
    assert paths[0].endswith(os.path.join("voila", "templates", "zaro"))
    text = (TEMPLATE_DIR / "voila" / "templates" / "zaro" / "index.html.j2").read_text("utf-8")
    assert "fontawesome-free@^5/css/" in text and "| replace(" in text and "<main>" in text


def test_cli_help_names_the_options():
    result = CliRunner().invoke(main, ["app", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--no-browser", "--pool-size", "--max-kernels", "--cull-idle-timeout", "--allow-host"):
        assert option in result.output
    assert "8866" in result.output


def test_cli_rejects_a_bad_port():
    result = CliRunner().invoke(main, ["app", "--port", "0"])
    assert result.exit_code != 0 and "--port" in result.output


def test_cli_rejects_a_cap_below_the_pool():
    result = CliRunner().invoke(main, ["app", "--pool-size", "3", "--max-kernels", "2"])
    assert result.exit_code == 2 and "--max-kernels: 2 leaves no kernel for visitors" in result.output


def _capped_manager(monkeypatch, running: list[str]):
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    from scoring.app import _server

    numbers = itertools.count(len(running))

    async def started(self, *args, **kwargs):
        running.append(f"kernel-{next(numbers)}")
        return running[-1]

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", started)
    monkeypatch.setattr(_server, "_WAIT_SECONDS", 0.01)
    manager = _server.CappedKernelManager(max_kernels=2)
    monkeypatch.setattr(manager, "list_kernel_ids", lambda: list(running))
    return manager


def test_a_visitor_beyond_the_cap_gets_too_many_visitors(monkeypatch):
    import asyncio

    from tornado.web import HTTPError

    running: list[str] = []
    manager = _capped_manager(monkeypatch, running)
    visitor = {"env": {"VOILA_PREHEAT": "False"}}
    assert asyncio.run(manager.start_kernel(**visitor)) == "kernel-0"
    assert asyncio.run(manager.start_kernel(**visitor)) == "kernel-1"
    with pytest.raises(HTTPError) as refused:
        asyncio.run(manager.start_kernel(**visitor))
    assert refused.value.status_code == 503 and "Too many visitors" in refused.value.reason
    assert running == ["kernel-0", "kernel-1"]


def test_a_preheated_kernel_waits_for_a_free_place_instead_of_passing_the_cap(monkeypatch):
    import asyncio

    running = ["kernel-0", "kernel-1"]
    manager = _capped_manager(monkeypatch, running)

    async def refill_while_a_visitor_leaves() -> str:
        refill = asyncio.ensure_future(manager.start_kernel(env={"VOILA_PREHEAT": "True"}))
        await asyncio.sleep(0.05)
        assert not refill.done() and len(running) == 2  # still waiting at the cap
        running.remove("kernel-0")  # a visitor's idle kernel is culled
        return await asyncio.wait_for(refill, 5)

    assert asyncio.run(refill_while_a_visitor_leaves()) == "kernel-2"
    assert len(running) == 2


def test_a_kernel_taken_from_the_pool_counts_as_idle_only_from_the_hand_over(monkeypatch):
    import asyncio
    import types
    from datetime import UTC, datetime, timedelta

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    from scoring.app._server import CappedKernelManager

    seen: list[datetime] = []

    async def cull(self, kernel_id):
        seen.append(self._kernels[kernel_id].last_activity)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", cull)
    manager = CappedKernelManager()
    ran_the_notebook = datetime.now(UTC) - timedelta(hours=1)  # preheated an hour ago
    manager._kernels["k"] = types.SimpleNamespace(last_activity=ran_the_notebook)
    asyncio.run(manager.cull_kernel_if_idle("k"))
    asyncio.run(manager.cull_kernel_if_idle("k"))
    assert seen[0] > ran_the_notebook + timedelta(minutes=59) and seen[1] == seen[0]


def test_the_server_log_drops_the_untrusted_notebook_line():
    import logging

    from scoring.app._server import QuietLog

    quiet = QuietLog()
    untrusted = logging.LogRecord("Voila", logging.WARNING, __file__, 1, "Notebook %s is not trusted", ("x",), None)
    other = logging.LogRecord("Voila", logging.WARNING, __file__, 1, "Kernel %s died", ("x",), None)
    assert not quiet.filter(untrusted) and quiet.filter(other)


def test_zaro_app_says_it_is_warming_up(monkeypatch):
    from click.testing import CliRunner

    import scoring.app
    from scoring.cli import main

    monkeypatch.setattr(scoring.app, "serve", lambda settings: 0)
    result = CliRunner().invoke(main, ["app", "--no-browser", "--pool-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Warming up 2 kernels ahead of visitors: the first page opens once one has run the explorer" in result.output


def test_control_labels_ship_their_script_and_style():
    from scoring.widgets import ControlLabels
    from scoring.widgets._controls import STATIC_DIR

    widget = ControlLabels()
    assert 'setAttribute("role", "radiogroup")' in str(widget._esm)
    assert "text-overflow: clip" in str(widget._css)
    assert (STATIC_DIR / "control_labels.js").is_file()
