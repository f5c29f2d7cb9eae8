using System.Diagnostics;

namespace DotnetFargate.Tests;

public sealed class OrphanGuardTests
{
    private static Process Sleeper() => Process.Start(new ProcessStartInfo("sleep", ["60"]) { UseShellExecute = false })!;

    private static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static async Task<bool> GoneWithinAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Alive(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        return !Alive(pid);
    }

    [Fact]
    public async Task The_process_is_killed_once_its_owner_is_gone()
    {
        using var owner = Sleeper();
        using var child = Sleeper();
        try
        {
            OrphanGuard.Watch(child.Id, owner.Id);
            await Task.Delay(300);
            Assert.True(Alive(child.Id), "alive while its owner is");
            owner.Kill();
            await owner.WaitForExitAsync();
            Assert.True(await GoneWithinAsync(child.Id, TimeSpan.FromSeconds(5)), "killed within 5 s of its owner's end");
        }
        finally
        {
            child.Kill();
            owner.Kill();
        }
    }

    [Fact]
    public async Task The_watcher_ends_with_the_process_and_leaves_the_owner_alone()
    {
        using var owner = Sleeper();
        using var child = Sleeper();
        try
        {
            var guard = OrphanGuard.Watch(child.Id, owner.Id);
            await Task.Delay(300);
            Assert.True(Alive(guard), "the watcher runs while both do");
            child.Kill();
            Assert.True(await GoneWithinAsync(guard, TimeSpan.FromSeconds(5)), "the watcher ends within 5 s of the process");
            Assert.True(Alive(owner.Id), "the owner is not touched");
        }
        finally
        {
            child.Kill();
            owner.Kill();
        }
    }
}
