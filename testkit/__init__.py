"""The shared test kit: fake platform servers and helpers used by `tests/` and `bench/`.

Not part of the installed package (the wheel ships `bot`, `handlers` and `storage` only);
tests import it through pytest's `pythonpath = ["."]`, benchmarks run from the checkout.

- `fake_server`: what both fakes share (the server, recorded calls, injected failures and
  hangs, a flood limit, the fake's own clock);
- `fake_telegram`: a fake Telegram Bot API server on 127.0.0.1, as strict as Telegram,
  from `telegram_spec` (the Bot API's methods and fields), `telegram_wire` (encoding, HTML,
  lengths), `telegram_updates` (what people send, which chats exist), `telegram_methods`
  (what the bot calls) and `chat_limit` (about one message a second to one chat);
- `fake_zalo`: a fake Zalo Bot Platform API server on 127.0.0.1, from `zalo_wire` and
  `zalo_updates`;
- `telegram_harness`, `zalo_harness`: drive the real channels against the fakes;
- `worker`: run the delivery worker on a test's injected clock;
- `people`: a roster written straight to storage, registered on Telegram.
"""
