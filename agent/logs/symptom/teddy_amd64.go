package symptom

import "golang.org/x/sys/cpu"

// teddyAsm tells whether teddyAVX2 can run on this CPU; teddyWide whether
// teddyAVX512 can.
var (
	teddyAsm  = cpu.X86.HasAVX2
	teddyWide = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW
)

// teddyAVX512 is teddyAVX2 with 64 positions per step (it stops while 67
// bytes remain and leaves 64 free entries).
//
//go:noescape
func teddyAVX512(masks *[2 * fpLen][32]byte, hay []byte, out []uint32) (n int, next int)

// teddyAVX2 computes, for haystack positions 0, 32, 64, ... while 35 bytes
// remain (32+fpLen-1), the candidate buckets of each position and appends
// position<<8|buckets to out for every position with a candidate. It stops
// early when out has fewer than 32 free entries, and returns the entries
// written and the position where it stopped (a multiple of 32).
//
//go:noescape
func teddyAVX2(masks *[2 * fpLen][32]byte, hay []byte, out []uint32) (n int, next int)
