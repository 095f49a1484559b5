"""The shared test kit: fake platform servers and helpers used by `tests/` and `bench/`.

Not part of the installed package (the wheel ships `bot`, `handlers` and `storage` only);
tests import it through pytest's `pythonpath = ["."]`, benchmarks run from the checkout.

- `fake_telegram`: a fake Telegram Bot API server on 127.0.0.1, as strict as Telegram
  (built from `fake_server`, `telegram_wire`, `telegram_updates`, `telegram_methods` and
  `chat_limit`);
- `fake_zalo`: a fake Zalo Bot Platform API server on 127.0.0.1;
- `telegram_harness`, `zalo_harness`: drive the real channels against the fakes;
- `people`: a roster written straight to storage, registered on Telegram.
"""
