/* The GDB server thread (`norvm run --gdb`): see gdbserver.c. */
#ifndef NORVM_GDBSERVER_H
#define NORVM_GDBSERVER_H

#include <stdbool.h>
#include <stddef.h>

struct vm;
struct gdb_server;

/*
 * Listen on `spec` (tcp::PORT, tcp:HOST:PORT, unix:PATH) and serve
 * debuggers until gdb_server_stop(); with `wait` the harts start stopped.
 * NULL with a one-line reason in `err`.
 */
struct gdb_server *gdb_server_start(struct vm *vm, const char *spec, bool wait,
				    char *err, size_t errlen);
void gdb_server_stop(struct gdb_server *g);

#endif
