"""The interfaces ARCO's core needs from the outside world, as `typing.Protocol`s."""
