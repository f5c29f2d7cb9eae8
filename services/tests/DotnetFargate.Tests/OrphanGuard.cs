using System.Diagnostics;
using System.Globalization;

namespace DotnetFargate.Tests;

/// <summary>
/// Ties a process the tests start to its owner (the test host): a detached shell watches both and kills the process
/// once the owner is gone, so a test host that is killed (a cancelled run, --blame-hang, kill -9) leaves no service
/// behind. The shell ends by itself as soon as the process does. The process is known by its PID and its start time
/// (/proc/PID/stat field 22), so a PID the kernel hands to another process later is never killed.
/// </summary>
internal static class OrphanGuard
{
    // $1 owner, $2 child; polls once a second. Its own session and no inherited output: nothing waits on it.
    private const string Script = """
        exec </dev/null >/dev/null 2>&1
        started() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }
        child_start=$(started "$2")
        [ -n "$child_start" ] || exit 0
        while kill -0 "$1" 2>/dev/null; do
          [ "$(started "$2")" = "$child_start" ] || exit 0
          sleep 1
        done
        [ "$(started "$2")" = "$child_start" ] && kill -KILL "$2"
        """;

    /// <summary>
    /// Kills <paramref name="childPid"/> once <paramref name="ownerPid"/> (default: this process) has exited; returns
    /// the watcher's PID.
    /// </summary>
    public static int Watch(int childPid, int? ownerPid = null)
    {
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sh", "-c", Script, "orphan-guard",
                     (ownerPid ?? Environment.ProcessId).ToString(CultureInfo.InvariantCulture), childPid.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }
        using var guard = Process.Start(info)!;
        return guard.Id;
    }
}
