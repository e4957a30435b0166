#!/usr/bin/python3
"""A real SMTP server for the API tests: aiosmtpd on 127.0.0.1:PORT that appends every
message it accepts to FILE as one JSON line {"mail_from", "rcpt_tos", "data"} (data is
the raw message as received, CRLF line ends). Prints "ready" once listening; stops on
SIGTERM or SIGINT.

Usage: /usr/bin/python3 tests/api/smtp_sink.py PORT FILE [--reject-rcpt SUBSTR]
A recipient containing SUBSTR is refused with 550 (a permanent failure).
"""
import json
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path, reject):
        self.path = path
        self.reject = reject
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject in address:
            return '550 5.1.1 mailbox unavailable'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        line = json.dumps({
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'data': data.decode('utf-8', 'surrogateescape') if isinstance(data, bytes) else data,
        })
        with self.lock, open(self.path, 'a', encoding='utf-8', errors='surrogateescape') as f:
            f.write(line + '\n')
            f.flush()
        return '250 Message accepted for delivery'


def main():
    port = int(sys.argv[1])
    path = sys.argv[2]
    reject = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == '--reject-rcpt' else None
    ctl = Controller(Sink(path, reject), hostname='127.0.0.1', port=port)
    ctl.start()
    print('ready', flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    ctl.stop()


if __name__ == '__main__':
    main()
