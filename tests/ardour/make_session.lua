-- Run by tests/ardour_session.py with Ardour 7's headless Lua tool
-- (ardour7-lua). Creates a 48 kHz session on the Dummy backend with one MIDI
-- track whose instrument is the Wasm Sampler VST3, one MIDI region holding
-- the notes NOTES gives, the session range 0..END_SAMPLE, and saves it.
--
-- Environment: SESSION_DIR, SESSION_NAME, END_SAMPLE, and NOTES as
-- "note:velocity:beat:tick;..." (1920 ticks a beat; 120 bpm, so a beat is
-- 24 000 samples at 48 kHz).

local dir, name = os.getenv ("SESSION_DIR"), os.getenv ("SESSION_NAME")
local s = create_session (dir, name, 48000)
assert (s, "could not create the session")

-- Headless Ardour reads only its plugin cache; the driver ran the VST3
-- scanner first.
local plugin = ARDOUR.LuaAPI.new_plugin_info ("Wasm Sampler", ARDOUR.PluginType.VST3)
assert (not plugin:isnil (), "the Wasm Sampler VST3 is not in Ardour's plugin cache")

-- Strict I/O off: with it on, Ardour 7.3 aborts with "Port already exists"
-- when a new MIDI track gets an instrument.
local tracks = Session:new_midi_track (
	ARDOUR.ChanCount (ARDOUR.DataType ("midi"), 1),
	ARDOUR.ChanCount (ARDOUR.DataType ("audio"), 2),
	false, plugin, nil, nil, 1, "Sampler",
	ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, false, false)
assert (tracks:size () == 1, "could not add the MIDI track")
local track = tracks:front ()

-- Ardour 7.3's Lua has no call that makes an empty MIDI region; bouncing the
-- still empty track (no processor: the result stays MIDI) makes one.
local length = 4 * 24000
local bounced = track:bounce_range (0, length, ARDOUR.InterThreadInfo (), ARDOUR.LuaAPI.nil_proc (), false, "notes")
assert (not bounced:isnil (), "could not make a MIDI region")
local region = ARDOUR.RegionFactory.clone_region (bounced, true, false)
local playlist = track:playlist ()
-- Added as the undoable "insert region" edit: Ardour makes the session range
-- only for a region added by one of the operations it knows by name.
Session:begin_reversible_command ("insert region")
playlist:to_stateful ():clear_changes ()
playlist:add_region (region, Temporal.timepos_t (0), 1, false)
Session:add_stateful_diff_command (playlist:to_statefuldestructible ())
Session:commit_reversible_command (nil)

local model = region:to_midiregion ():model ()
local add = model:new_note_diff_command ("add notes")
for note, velocity, beat, tick in string.gmatch (os.getenv ("NOTES"), "(%d+):(%d+):(%d+):(%d+)") do
	add:add (ARDOUR.LuaAPI.new_noteptr (0, Temporal.Beats (tonumber (beat), tonumber (tick)), Temporal.Beats (0, 480),
		tonumber (note), tonumber (velocity)))
end
model:apply_command (Session, add)
local tempo = Temporal.TempoMap.read ()
for n in ARDOUR.LuaAPI.note_list (model):iter () do
	print ("note", n:note (), "velocity", n:velocity (), "at sample", tempo:sample_at_beats (n:time ()))
end

-- Faders and trims stay at unity; the panners are bypassed so the plugin's
-- stereo output reaches the master's outputs unchanged.
track:panner_shell ():set_bypassed (true)
Session:master_out ():panner_shell ():set_bypassed (true)

local range = Session:locations ():session_range_location ()
assert (range, "no session range")
range:set (Temporal.timepos_t (0), Temporal.timepos_t (tonumber (os.getenv ("END_SAMPLE"))))
Session:save_state ("", false, false, false, false, false)
print ("saved", Session:path (), "range", Session:current_start_sample (), Session:current_end_sample ())
close_session ()
quit ()
