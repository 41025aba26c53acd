package roomav

import (
	"time"

	"github.com/kogge-project/kogge/rooms/av"
)

// Room is what of a room's configuration its AV is built from. A reload
// rebuilds a room's AV only when its Room changed.
type Room struct {
	ID string
	// Devices are resolved (addresses with their ports, passwords read),
	// with room-local ids, in config order.
	Devices []av.DeviceConfig
	Labels  map[string]string // device id -> label (a new label rebuilds the room like any AV change)
	Scenes  []Scene
	// Prep and End name the scenes the timeline runs before a booking
	// and after it ("": none).
	Prep, End string
	Follow    CameraFollow
}

// Scene is one of a room's scenes: actions on its devices by room-local
// id, and the label its button shows ("": the name).
type Scene struct {
	Name, Label string
	Actions     []av.Action
}

// CameraFollow points the room's camera at whoever speaks (Camera "":
// no follower).
type CameraFollow struct {
	Camera, DSP string      // room-local ids of a VISCA camera and a Tesira DSP
	MicTag      string      // the DSP instance tag whose channels are the microphones
	Presets     map[int]int // microphone channel -> camera preset
	// DefaultPreset is recalled Hold after the last microphone closed.
	DefaultPreset int
	Hold          time.Duration
}
