-- Run by tests/ardour_session.py with ardour7-lua: opens the session
-- snapshot SNAPSHOT in SESSION_DIR, waits WARMUP seconds (the plugin loads
-- its kit's samples on its own thread after the state is restored), then
-- exports the session range through the master bus with the float WAV
-- preset the driver installed (no dither, no normalisation) into
-- OUT_DIR/OUT_NAME.
assert (load_session (os.getenv ("SESSION_DIR"), os.getenv ("SNAPSHOT")), "could not load the session")
sleep (tonumber (os.getenv ("WARMUP")))
local export = Session:simple_export ()
assert (export:set_preset ("9f1c2e64-5b0a-4d3e-8c77-1a2b3c4d5e60"), "the float WAV export preset is missing")
export:set_folder (os.getenv ("OUT_DIR"))
export:set_name (os.getenv ("OUT_NAME"))
assert (export:run_export (), "the export failed")
print ("exported")
io.stdout:flush ()
-- Ardour 7.3 sometimes crashes while closing a session after an export
-- (a double free in its export channels); the file is written by then.
os.exit (0)
