/*
 * The console: the UART's bytes go to stdout; stdin goes to the UART.
 *
 * On a terminal, stdin is put in raw mode (restored on every exit path,
 * signals included) without losing keys typed while norvm starts; Ctrl-A x
 * quits, Ctrl-A Ctrl-A sends Ctrl-A.  From a pipe or file, bytes reach the
 * UART as if typed, one at a time, whenever the guest waits for input; a
 * guest that only checks for a key now and then (an autoboot countdown) gets
 * one NUL key instead, so no byte of the script is taken as that key (see
 * serial_rx_state).  Typed bytes the guest clears from the UART unread are
 * typed again.  End of file leaves the guest running.  SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT stop the VM cleanly (exit status 128 + the signal);
 * other fatal signals restore the terminal first.
 */
#ifndef NORVM_CONSOLE_H
#define NORVM_CONSOLE_H

#include <stdint.h>

struct vm;
struct serial_rx;

/*
 * Block the signals that stop the VM (and ignore SIGPIPE) in the calling
 * thread and every thread it starts afterwards: call it before starting
 * any.  The console thread alone receives them, through a signalfd.
 */
void console_block_signals(void);
int console_start(struct vm *vm, struct serial_rx *rx);
void console_stop(void);
void console_output(uint8_t byte);
/*
 * The next input byte for a guest that reads the console without the UART
 * (SBI getchar under KVM), or -1 when none is pending.
 */
int console_getchar(void);

#endif
