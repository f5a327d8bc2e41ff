"""Public names that load their module on first use.

`import graphflow` is on every student's cold path (W8: a fresh process must finish in under a
second), and every module it loads is also torn down at interpreter exit. GraphDef protos,
the importer, checkpoints, summaries and the viewer pull in protobuf and ~70 modules that a
program which only builds and runs a graph never uses, so the packages export them lazily
(PEP 562): `tf.GraphDef`, `tf.train.Saver` or `tf.summary` import their module the first
time they are looked up, then live in the package's namespace like any other name.
"""

import importlib


def exports(package_globals, table):
    """Installs `__getattr__` and `__dir__` in a package namespace: `table` maps a public name
    to "module" (the name is that module) or "module:attribute"."""
    def __getattr__(name):
        target = table.get(name)
        if target is None:
            raise AttributeError(
                f"module {package_globals['__name__']!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        value = importlib.import_module(module_name)
        if attribute:
            value = getattr(value, attribute)
        package_globals[name] = value
        return value

    def __dir__():
        return sorted(set(package_globals) | set(table))

    package_globals["__getattr__"] = __getattr__
    package_globals["__dir__"] = __dir__


class module:  # noqa: N801 - used like a module
    """A stand-in for module `name`, imported on its first attribute lookup: modules on the
    import path of `graphflow` use it for what only summaries or checkpoints need."""

    __slots__ = ("_name", "_module")

    def __init__(self, name):
        self._name = name
        self._module = None

    def __getattr__(self, attribute):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self):
        return f"<lazily imported module {self._name!r}>"
