/*
 * The console: the UART's bytes go to stdout; stdin goes to the UART.
 *
 * On a terminal, stdin is put in raw mode (restored on every exit path,
 * signals included); Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.  From a
 * pipe or file, bytes reach the UART as if typed, one at a time, whenever
 * the guest is ready for input (uart_rx_idle); end of file leaves the guest
 * running.  SIGINT, SIGTERM and SIGHUP stop the VM cleanly.
 */
#ifndef NORVM_CONSOLE_H
#define NORVM_CONSOLE_H

#include <stdint.h>

struct vm;
struct uart;

int console_start(struct vm *vm, struct uart *uart);
void console_stop(void);
void console_output(uint8_t byte);
/*
 * The next input byte for a guest that reads the console without the UART
 * (SBI getchar under KVM), or -1 when none is pending.
 */
int console_getchar(void);

#endif
