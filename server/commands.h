/* commands.h - the `teev` subcommands. Each takes the arguments after its
 * name and returns the process exit code. */
#ifndef TEEV_COMMANDS_H
#define TEEV_COMMANDS_H

#define TEEV_VERSION "0.1.0"

int cmd_serve(int argc, char **argv);
int cmd_verify(int argc, char **argv);
/* `teev verify --tdx-quote ...` (cmd_verify_tdx.c); cmd_verify hands over. */
int cmd_verify_tdx(int argc, char **argv);
int cmd_certs(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_verify_result(int argc, char **argv);
/* teev certs rotate-result-key (argv[1] is "rotate-result-key"). */
int cmd_certs_rotate_result_key(int argc, char **argv);

/* Loads defaults, then the config file (explicit path, else $TEEV_CONFIG if
 * set), then TEEV_* variables. Shared by serve and verify. */
struct teev_config;
int load_config(struct teev_config *c, const char *explicit_path);

#endif
