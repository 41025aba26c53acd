// Package roomav runs each room's AV: one av.Supervisor per room built
// from the room's devices, the room's scenes with their labels, the prep
// and end scenes the timeline runs, the camera follower, the controls the
// room's panel offers (camera presets, microphone mute), and the stream of
// device changes. It answers the status, command and scene requests of the
// device API and the panel, and rebuilds on reload only the rooms whose AV
// changed (Prepare, then Commit or Abort).
//
// On a cluster it drives only the rooms this node owns (Ownership,
// ownership.go) and shows the others' devices as their owners publish
// them (StatusBoard, board.go).
//
// It takes its configuration as Room values, already resolved (addresses
// with ports, passwords read): the daemon translates its TOML into them,
// so this package does not know the configuration file. It may import
// rooms, rooms/av and its protocol packages, and rooms/timeline
// (docs/architecture.md §2).
package roomav
