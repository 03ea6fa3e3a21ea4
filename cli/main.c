/* SPDX-License-Identifier: Apache-2.0 */
/* lxf: the command-line client. Everything happens in the command table (cmd.c). */
#include <locale.h>
#include <signal.h>

#include <unistd.h>

#include "cmd.h"

int main(int argc, char **argv)
{
	(void)setlocale(LC_ALL, "");
	/* A closed pipe (lxf list | head) must end us quietly, not by SIGPIPE noise in curl. */
	(void)signal(SIGPIPE, SIG_IGN);
	/* No arguments on a terminal: the interactive prompt; elsewhere usage (exit 2). */
	if (argc == 1 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return lxf_prompt_run();
	return lxf_cmd_run(argc, argv);
}
