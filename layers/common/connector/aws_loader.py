"""botocore's data loader, less its listing of every service at the first client, and reading its
files as plain dicts.

Before it loads a service's model, botocore's `Loader.load_service_model` asks whether the service
is known: `service_name in self.list_available_services(type_name)`, a list it builds by reading
every service directory of every search path (about 420 services, 2,700 `stat` and 900 `listdir`
calls), once for the service model and once for its endpoint rules. That is a third of a first
client's creation: as deployed (bench/cold_start.py's set-up), the first DynamoDB client took 47-53
ms of wall time with the stock loader and 31-38 ms with this one (5 fresh interpreters each).

While `load_service_model` runs, `ServiceLoader.list_available_services` answers with
`KnownServices`: asking whether a service is known looks in that service's directories alone (what
`list_api_versions` reads, the same rule the listing applies to each directory); anything else,
iterating or joining it (as `UnknownServiceError`'s message does), reads the whole listing, made by
botocore's own code. Every other caller (`Session.get_available_services()`, boto3's
`get_available_resources()`) gets botocore's own list: a UserList is no list to `json.dumps`,
`isinstance` or `copy.copy`, and its slices and sums construct the subclass anew. botocore has no
option for this, hence the subclass; only these two methods are overridden, both handing on to
botocore's, so a runtime's botocore of another version keeps its own loading.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import UserList
from typing import Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader

# botocore's own logger: its debug line names the file each model was read from (as a stock loader).
logger = logging.getLogger("botocore.loaders")


class KnownServices(UserList[str]):
    """The services a loader knows of for one model type, read whole only when used whole."""

    def __init__(self, loader: ServiceLoader, type_name: str) -> None:
        # UserList's own __init__ would fill `data`: left to the property.
        self._loader = loader
        self._type_name = type_name
        self._listed: list[str] | None = None

    @property
    def data(self) -> list[str]:
        if self._listed is None:
            self._listed = self._loader.list_every_service(self._type_name)
        return self._listed

    @data.setter
    def data(self, value: list[str]) -> None:
        self._listed = value

    def __contains__(self, service_name: object) -> bool:
        if self._listed is not None:
            return service_name in self._listed
        return self._loader.knows(service_name, self._type_name)


class DictJSONFileLoader(JSONFileLoader):
    """botocore's JSON file loader, giving dicts instead of OrderedDicts.

    botocore decodes every data file with `object_pairs_hook=OrderedDict`, from before dicts kept
    their order: the hook calls back into Python for each of endpoints.json's objects, and decoding
    that file (1.2 MB, read at the first client) takes 20.0 ms with it against 6.7 ms without (10
    decodes each, this machine). Plain dicts keep the file's order too, and botocore only reads them
    as mappings. Overrides botocore's `_load_file` (the one place it decodes); were a later botocore
    to stop calling it, its own decoding would apply, slower but the same."""

    def _load_file(self, full_path: str, open_method: Any, *more: Any, **named: Any) -> Any:
        if more or named:
            # A botocore calling it otherwise than 1.31-1.43 do: its own reading, not a TypeError.
            return super()._load_file(full_path, open_method, *more, **named)  # type: ignore[misc]
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as fp:
            payload = fp.read().decode("utf-8")
        logger.debug("Loading JSON file: %s", full_path)
        return json.loads(payload)


class ServiceLoader(Loader):
    def load_service_model(self, *args: Any, **kwargs: Any) -> Any:
        # botocore's, unchanged (arguments as given, so its instance cache keys stay its own); marks
        # the thread as within it, where the listing is only asked whether it holds the service.
        _loading.depth = getattr(_loading, "depth", 0) + 1
        try:
            return super().load_service_model(*args, **kwargs)
        finally:
            _loading.depth -= 1

    def list_available_services(self, type_name: str) -> list[str]:
        if getattr(_loading, "depth", 0):
            # A list in use (UserList): what `load_service_model` does with it, a list does too.
            return KnownServices(self, type_name)  # type: ignore[return-value]
        return self.list_every_service(type_name)

    def list_every_service(self, type_name: str) -> list[str]:
        """botocore's own listing (kept in the loader's instance cache, as botocore keeps it)."""
        listed: list[str] = Loader.list_available_services(self, type_name)
        return listed

    def knows(self, service_name: object, type_name: str) -> bool:
        """What the listing would say of this one name: a directory of a search path holding an API
        version directory with a `type_name` model in it."""
        if not isinstance(service_name, str) or not _plain_directory_name(service_name):
            return False
        try:
            self.list_api_versions(service_name, type_name)
        except DataNotFoundError:
            return False
        # The name as a directory entry spells it: on a case-insensitive file system (macOS) the
        # directory "dynamodb" answers to "DynamoDB" too, which the listing does not hold.
        return any(service_name in _entries(path) for path in self.search_paths)


# Per thread: a batch may load models from threads while another lists (connector.aws_session).
_loading = threading.local()


def _entries(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _plain_directory_name(name: str) -> bool:
    # The listing only ever holds entries of a search path's own directory: never a path.
    separators = {os.sep, *([os.altsep] if os.altsep else [])}
    return bool(name) and name not in {".", ".."} and not any(sep in name for sep in separators)


def service_loader(search_path_string: str | None) -> ServiceLoader:
    """What botocore's `create_loader` makes of the `data_path` setting, as a ServiceLoader reading
    its files with a DictJSONFileLoader."""
    files = DictJSONFileLoader()
    if search_path_string is None:
        return ServiceLoader(file_loader=files)
    paths = [os.path.expanduser(os.path.expandvars(path)) for path in search_path_string.split(os.pathsep)]
    return ServiceLoader(extra_search_paths=paths, file_loader=files)
