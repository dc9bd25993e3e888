"""``isf serve``: run the web app with uvicorn on localhost (access log off, logs redacted)."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["serve_command"]


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to bind; keep 127.0.0.1 unless you know why.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    logic: Annotated[str, typer.Option(help="Default logic id or path (demo, NOR2015, ...).")] = "demo",
) -> None:
    """Start the local web app: test grouper, compare, look-up and CSV upload."""
    import uvicorn

    from isf.cli.common import load_logic_or_exit
    from isf.web.app import create_app
    from isf.web.limits import log_config

    load_logic_or_exit(logic)  # a bad --logic is a message, not a traceback
    app = create_app(logic=logic)
    typer.echo(f"isf serve: http://{host}:{port}/  (logic {logic}; Ctrl+C to stop)")
    # No access log (URLs and client addresses are not written anywhere); warnings only, and
    # with exception details removed: they could quote what a client sent.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False,
                log_config=dict(log_config("warning")), timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024)
