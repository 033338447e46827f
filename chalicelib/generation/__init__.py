"""The generation gateway: route, render, call, fall back, record, answer."""
