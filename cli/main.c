/* SPDX-License-Identifier: Apache-2.0 */
/* lxf: the command-line client. Everything happens in the command table (cmd.c). */
#include <locale.h>
#include <signal.h>

#include "cmd.h"

int main(int argc, char **argv)
{
	(void)setlocale(LC_ALL, "");
	/* A closed pipe (lxf list | head) must end us quietly, not by SIGPIPE noise in curl. */
	(void)signal(SIGPIPE, SIG_IGN);
	return lxf_cmd_run(argc, argv);
}
