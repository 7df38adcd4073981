/*
 * The GDB remote serial protocol, without I/O: bytes from the client go
 * into gdb_input(), bytes for it come out through the session's `send`
 * callback, and everything the debugger does to the machine goes through
 * a small target interface.  The server (gdbserver.c) joins it to a
 * socket and to the built-in CPU; the fuzzer joins it to a fake target.
 */
#ifndef NORVM_GDB_H
#define NORVM_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gdb_stop {
	GDB_STOP_NONE, GDB_STOP_INTERRUPT, GDB_STOP_BREAK, GDB_STOP_STEP,
	GDB_STOP_WATCH, GDB_STOP_EXITED,
};

struct gdb_stop_info {
	enum gdb_stop why;
	unsigned hart;
	int watch_kind;			/* 2 write, 3 read, 4 access */
	uint64_t watch_addr;
	int exit_code;
};

struct gdb_target {
	void *opaque;
	unsigned nharts;
	/* Harts stop/run as a group; resume(step_hart) steps one hart. */
	void (*stop)(void *opaque);
	void (*resume)(void *opaque, int step_hart);
	/* type: 0/1 breakpoint, 2 write, 3 read, 4 access watchpoint. */
	int (*point)(void *opaque, int type, uint64_t addr, uint64_t len,
		     bool insert);
	int (*memory)(void *opaque, unsigned hart, uint64_t addr, void *buf,
		      size_t len, bool write, bool phys);
	/* GDB's RISC-V register numbers (see soft.h). */
	int (*reg)(void *opaque, unsigned hart, unsigned reg, uint64_t *v,
		   bool write);
	void (*kill)(void *opaque);
};

#define GDB_MAX_PACKET	4096

struct gdb_session {
	const struct gdb_target *t;
	void (*send)(void *opaque, const void *buf, size_t len);
	void *send_opaque;

	/* packet assembly */
	enum { GDB_IDLE, GDB_DATA, GDB_CSUM1, GDB_CSUM2 } state;
	char pkt[GDB_MAX_PACKET + 1];
	size_t len;
	bool overflow;
	uint8_t sum, csum;

	bool no_ack;
	bool running;			/* resumed, no stop reported yet */
	bool phys;			/* `monitor phys on`: m/M are physical */
	bool detached;			/* D or k: the client is done */
	unsigned g_hart, c_hart;	/* Hg and Hc */
	struct gdb_stop_info last;
	char reply[2 * GDB_MAX_PACKET + 64];
};

void gdb_init(struct gdb_session *s, const struct gdb_target *t,
	      void (*send)(void *opaque, const void *buf, size_t len),
	      void *send_opaque);
/* Bytes from the client.  Ctrl-C (0x03) outside a packet stops the harts. */
void gdb_input(struct gdb_session *s, const uint8_t *buf, size_t len);
/* The harts stopped (or the VM ended) after a resume: tell the client. */
void gdb_stopped(struct gdb_session *s, const struct gdb_stop_info *info);

#endif
