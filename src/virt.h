/* The "virt" board's memory map and interrupt numbers (QEMU virt layout). */
#ifndef NORVM_VIRT_H
#define NORVM_VIRT_H

#define VIRT_BOOTROM_BASE	0x00001000ull
#define VIRT_BOOTROM_SIZE	0x00001000ull
#define VIRT_TEST_BASE		0x00100000ull
#define VIRT_TEST_SIZE		0x00001000ull
#define VIRT_CLINT_BASE		0x02000000ull
#define VIRT_CLINT_SIZE		0x00010000ull
#define VIRT_PLIC_BASE		0x0c000000ull
#define VIRT_PLIC_SIZE		0x04000000ull
#define VIRT_UART0_BASE		0x10000000ull
#define VIRT_UART0_SIZE		0x00000100ull
#define VIRT_FLASH0_BASE	0x20000000ull
#define VIRT_FLASH1_BASE	0x22000000ull
#define VIRT_FLASH_WINDOW	0x02000000ull	/* 32 MiB per bank */
#define VIRT_RAM_BASE		0x80000000ull

#define VIRT_UART0_IRQ		10
#define VIRT_PLIC_NDEV		95

#define VIRT_TIMEBASE_HZ	10000000ull	/* mtime ticks per second */
#define VIRT_UART_CLOCK_HZ	3686400u

#define VIRT_FW_LOAD		VIRT_RAM_BASE
#define VIRT_KERNEL_LOAD	(VIRT_RAM_BASE + 0x200000ull)

#define VIRT_MAX_HARTS		8

#endif
