//go:build !amd64

package symptom

const (
	teddyAsm  = false
	teddyWide = false
)

func teddyAVX512(masks *[2 * fpLen][32]byte, hay []byte, out []uint32) (n int, next int) {
	return 0, 0
}

func teddyAVX2(masks *[2 * fpLen][32]byte, hay []byte, out []uint32) (n int, next int) { return 0, 0 }
