"""The platform emulators, served in-process, unless the environment points at a real service."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devstack.gateway import serve
from devstack.serving import LocalServer

log = logging.getLogger("devstack")


@dataclass(frozen=True)
class Platform:
    name: str  # emulators.<name>
    env_var: str  # set in devstack's environment: use that URL, start no emulator
    parameter: str  # the template parameter that receives the URL
    # Older names of env_var still honoured: DESIGN §5 names SALESFORCE_LOGIN_URL as the variable that
    # replaces the Salesforce emulator (it must now hold the org's My Domain URL).
    aliases: tuple[str, ...] = ()

    def url_in(self, environ: Mapping[str, str]) -> tuple[str, str] | None:
        """(variable, URL) when the environment points this platform at a real service."""
        for name in (self.env_var, *self.aliases):
            if environ.get(name):
                return name, environ[name]
        return None


PLATFORMS = (
    Platform("salesforce", "SALESFORCE_MY_DOMAIN_URL", "SalesforceMyDomainUrl", aliases=("SALESFORCE_LOGIN_URL",)),
    Platform("commerce", "COMMERCE_API_URL", "CommerceApiUrl"),
    Platform("loyalty", "LOYALTY_API_URL", "LoyaltyApiUrl"),
    Platform("social", "SOCIAL_API_URL", "SocialApiUrl"),
)


@dataclass
class RunningEmulator:
    name: str
    url: str
    server: LocalServer | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()


def start_emulator(name: str, host: str = "127.0.0.1") -> RunningEmulator | None:
    """`emulators.<name>.create_app()` on a free port; None (with a warning) when unavailable."""
    try:
        module: Any = importlib.import_module(f"emulators.{name}")
        create_app = getattr(module, "create_app", None)
        if create_app is None:
            module = importlib.import_module(f"emulators.{name}.app")
            create_app = module.create_app
        app = create_app()
    except Exception as exc:
        log.warning("emulator %s not started: %s: %s", name, type(exc).__name__, exc)
        return None
    server, _ = serve(app, host, 0, f"emulator-{name}")
    return RunningEmulator(name, f"http://{host}:{server.server_port}", server)


def start_platforms(
    enabled: bool, skip: set[str], environ: Mapping[str, str] | None = None, host: str = "127.0.0.1"
) -> dict[str, RunningEmulator]:
    """Each platform's URL: devstack's environment variable when set, else a started emulator.

    `skip` names platforms whose template parameter the caller set explicitly (--param).
    """
    environ = os.environ if environ is None else environ
    out: dict[str, RunningEmulator] = {}
    for platform in PLATFORMS:
        if platform.name in skip:
            continue
        found = platform.url_in(environ)
        if found:
            variable, external = found
            log.info("%s: using %s=%s (no emulator)", platform.name, variable, external)
            out[platform.name] = RunningEmulator(platform.name, external.rstrip("/"))
            continue
        if not enabled:
            continue
        running = start_emulator(platform.name, host)
        if running is not None:
            out[platform.name] = running
    return out
