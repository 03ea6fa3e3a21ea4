#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs a command on a pseudo-terminal and answers its questions.

Usage: pty-answer.py PROMPT ANSWER[,ANSWER...] CMD [ARGS...]

Each time PROMPT shows up in the output, the next ANSWER (and a newline) is
typed. Prints everything the command wrote and exits with its status, so
that a test can drive `lxf delete -i` as a person at a terminal would.
"""
import os
import pty
import sys


def main():
    prompt = sys.argv[1].encode()
    answers = [a.encode() + b"\n" for a in sys.argv[2].split(",")]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[3], sys.argv[3:])
    out, given = b"", 0
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if out.count(prompt) > given and given < len(answers):
            os.write(fd, answers[given])
            given += 1
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
