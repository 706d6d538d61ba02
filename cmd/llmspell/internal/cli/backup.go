package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/api"
)

// BackupOptions are the flags of the backup commands.
type BackupOptions struct {
	Dir         string // --backup-dir: overrides backup.dir
	Incremental bool
	Label       string
	All         bool
	DryRun      bool
	MaxCount    int
	MaxAgeDays  int
}

// NewCmdBackup builds `llmspell backup` and its subcommands.
func NewCmdBackup(f *Factory) *cobra.Command {
	opts := &BackupOptions{}
	cmd := &cobra.Command{
		Use:   "backup <command>",
		Short: "Create, list, validate, restore and prune backups of the data folder",
		Long: `Backups hold the whole store of the data folder: state, sessions and
artifacts. They live in backup.dir (default: "<data folder>.backups"), one
folder per backup, compressed with zstd and checksummed with BLAKE3.
A full backup stores every file; an incremental one (--incremental) stores
only the files its parent (the newest backup) lacks. See docs/backups.md.

create and restore open the data folder, so no other process may hold it;
list, info, validate and cleanup only read the backup folder.`,
		Example: `  $ llmspell backup create
  $ llmspell backup create --incremental --label "before migration"
  $ llmspell backup list
  $ llmspell backup validate --all
  $ llmspell backup restore latest
  $ llmspell backup cleanup --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &usageError{"backup needs a command: {create|list|info|validate|restore|cleanup}\n\n" + cmd.UsageString()}
		},
	}
	cmd.PersistentFlags().StringVar(&opts.Dir, "backup-dir", f.envOr("BACKUP_DIR", ""), "backup folder (default: backup.dir, else <data folder>.backups) [$LLMSPELL_BACKUP_DIR]")

	create := &cobra.Command{
		Use:   "create [--incremental] [--label <text>]",
		Short: "Back up the data folder",
		Example: `  $ llmspell backup create
  $ llmspell backup create --incremental --label nightly`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runBackupCreate(cmd.Context(), f, opts) },
	}
	create.Flags().BoolVar(&opts.Incremental, "incremental", false, "store only files the newest backup lacks")
	create.Flags().StringVar(&opts.Label, "label", "", "a note shown in listings")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List backups, newest first",
		Example: `  $ llmspell backup list --output json`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return runBackupList(cmd.Context(), f, opts) },
	}
	info := &cobra.Command{
		Use:     "info <id>",
		Short:   "Show one backup's metadata and files",
		Long:    `Show a backup's manifest: kind, parent, sizes and every file with its BLAKE3. The id "latest" names the newest backup.`,
		Example: `  $ llmspell backup info latest`,
		Args:    exactArgs(1, "info needs a backup id: llmspell backup info <id>"),
		RunE:    func(cmd *cobra.Command, args []string) error { return runBackupInfo(cmd.Context(), f, opts, args[0]) },
	}
	validate := &cobra.Command{
		Use:   "validate {<id>... | --all}",
		Short: "Check that backups can be restored",
		Long: `Re-read every file a backup needs (including those an incremental backup
takes from its ancestors), decompress it and compare its size and BLAKE3 with
the manifest. Exits 1 when any backup fails.`,
		Example: `  $ llmspell backup validate latest
  $ llmspell backup validate --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.All == (len(args) > 0) {
				return &usageError{"validate needs backup ids or --all, not both: llmspell backup validate {<id>... | --all}"}
			}
			return runBackupValidate(cmd.Context(), f, opts, args)
		},
	}
	validate.Flags().BoolVar(&opts.All, "all", false, "validate every backup")
	restore := &cobra.Command{
		Use:   "restore <id>",
		Short: "Replace the data folder's contents with a backup",
		Long: `Restore a backup into a fresh folder beside the data folder, check it, and
swap it in atomically. The current contents are discarded (take a backup
first if you may want them); if anything fails they are left as they were.
The id "latest" names the newest backup.`,
		Example: `  $ llmspell backup restore 20260101T120000000Z-a1b2c3
  $ llmspell backup restore latest`,
		Args: exactArgs(1, "restore needs a backup id: llmspell backup restore <id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackupRestore(cmd.Context(), f, opts, args[0])
		},
	}
	cleanup := &cobra.Command{
		Use:   "cleanup [--dry-run] [--max-count <n>] [--max-age-days <n>]",
		Short: "Remove backups past the retention limits",
		Long: `Keep the newest backup.max_count backups that are at most backup.max_age_days
old (0 means no limit), always the newest one, and every backup a kept
incremental backup depends on; remove the rest.`,
		Example: `  $ llmspell backup cleanup --dry-run
  $ llmspell backup cleanup --max-count 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.MaxCount < 0 || opts.MaxAgeDays < 0 {
				return &usageError{"--max-count and --max-age-days must not be negative"}
			}
			co := &backup.CleanupOptions{DryRun: opts.DryRun}
			if cmd.Flags().Changed("max-count") {
				co.MaxCount = noLimit(opts.MaxCount)
			}
			if cmd.Flags().Changed("max-age-days") {
				co.MaxAge = time.Duration(noLimit(opts.MaxAgeDays)) * 24 * time.Hour
			}
			return runBackupCleanup(cmd.Context(), f, opts, co)
		},
	}
	cleanup.Flags().BoolVar(&opts.DryRun, "dry-run", false, "report what would be removed, remove nothing")
	cleanup.Flags().IntVar(&opts.MaxCount, "max-count", 0, "keep at most this many backups; 0 means no limit (default: backup.max_count)")
	cleanup.Flags().IntVar(&opts.MaxAgeDays, "max-age-days", 0, "keep backups at most this many days old; 0 means no limit (default: backup.max_age_days)")

	cmd.AddCommand(create, list, info, validate, restore, cleanup)
	return cmd
}

// noLimit maps the CLI's "0 means no limit" to the library's negative.
func noLimit(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return &usageError{msg}
		}
		return nil
	}
}

// backupEngine opens an engine on the data folder with the backup flags
// applied; the caller closes it.
func (f *Factory) backupEngine(opts *BackupOptions) (*engine.Engine, error) {
	cfg, err := f.loadConfig()
	if err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		cfg.Backup.Dir = opts.Dir
	}
	return engine.New(&engine.Options{Config: cfg, LogOutput: f.Err})
}

// backupManager returns a manager of the backup folder without opening the
// data folder.
func (f *Factory) backupManager(opts *BackupOptions) (*backup.Manager, error) {
	cfg, err := f.loadConfig()
	if err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		cfg.Backup.Dir = opts.Dir
	}
	return backup.New(nil, engine.BackupOptions(cfg))
}

func ctxOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

func (f *Factory) printJSON(doc value.Map) error {
	b, err := value.Encode(camelKeys(doc))
	if err != nil {
		return err
	}
	fmt.Fprintln(f.Out, string(b))
	return nil
}

// camelKeys turns the snake_case keys of library values into the CLI's
// camelCase JSON keys.
func camelKeys(v value.Value) value.Value {
	switch x := v.(type) {
	case value.Map:
		out := make(value.Map, len(x))
		for k, e := range x {
			if c := api.CamelAlias(k); c != "" {
				k = c
			}
			out[k] = camelKeys(e)
		}
		return out
	case value.List:
		out := make(value.List, len(x))
		for i, e := range x {
			out[i] = camelKeys(e)
		}
		return out
	}
	return v
}

func runBackupCreate(ctx context.Context, f *Factory, opts *BackupOptions) error {
	ctx, stop := f.NotifyInterupt(ctxOrBackground(ctx))
	defer stop()
	eng, err := f.backupEngine(opts)
	if err != nil {
		return err
	}
	defer eng.Close()
	man, err := eng.Backups().Create(ctx, &backup.CreateOptions{Incremental: opts.Incremental, Label: opts.Label})
	if err != nil {
		return err
	}
	if f.Output == "json" {
		return f.printJSON(value.Map{"backup": man.Summary().Value(), "dir": eng.Backups().Dir()})
	}
	s := man.Summary()
	fmt.Fprintf(f.Out, "created %s backup %s in %s\n", s.Kind, s.ID, eng.Backups().Dir())
	fmt.Fprintf(f.Out, "  %d files, %s, %s stored", s.FileCount, humanBytes(s.TotalBytes), humanBytes(s.StoredBytes))
	if s.KeyCount >= 0 {
		fmt.Fprintf(f.Out, ", %d keys", s.KeyCount)
	}
	fmt.Fprintf(f.Out, ", %d ms\n", man.DurationMS)
	return nil
}

func runBackupList(ctx context.Context, f *Factory, opts *BackupOptions) error {
	m, err := f.backupManager(opts)
	if err != nil {
		return err
	}
	list, err := m.List(ctxOrBackground(ctx))
	if err != nil {
		return err
	}
	if f.Output == "json" {
		items := make(value.List, len(list))
		for i, s := range list {
			items[i] = s.Value()
		}
		return f.printJSON(value.Map{"backups": items, "dir": m.Dir()})
	}
	if len(list) == 0 {
		if isTTY(f.Err) {
			fmt.Fprintf(f.Err, "no backups in %s\n", m.Dir())
		}
		return nil
	}
	tw := tabwriter.NewWriter(f.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tCREATED\tSIZE\tSTORED\tKEYS\tLABEL")
	for _, s := range list {
		if s.Problem != "" {
			fmt.Fprintf(tw, "%s\tbroken\t\t\t\t\t%s\n", s.ID, s.Problem)
			continue
		}
		v := s.Value()
		keys := "-"
		if s.KeyCount >= 0 {
			keys = fmt.Sprint(s.KeyCount)
		}
		label, _ := v["label"].(string)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, s.CreatedAt.UTC().Format("2006-01-02 15:04:05"),
			humanBytes(s.TotalBytes), humanBytes(s.StoredBytes), keys, label)
	}
	return tw.Flush()
}

// manifestValue is a backup's metadata with its files.
func manifestValue(man *backup.Manifest) value.Map {
	v := man.Summary().Value()
	files := make(value.List, len(man.Files))
	for i, fl := range man.Files {
		files[i] = value.Map{"name": fl.Name, "size": fl.Size, "blake3": fl.BLAKE3, "stored_in": fl.StoredIn}
	}
	v["files"] = files
	v["compression"] = man.Compression
	v["duration_ms"] = man.DurationMS
	return v
}

func runBackupInfo(ctx context.Context, f *Factory, opts *BackupOptions, id string) error {
	m, err := f.backupManager(opts)
	if err != nil {
		return err
	}
	man, err := m.Get(ctxOrBackground(ctx), id)
	if err != nil {
		return err
	}
	if f.Output == "json" {
		return f.printJSON(value.Map{"backup": manifestValue(man)})
	}
	s := man.Summary()
	v := s.Value()
	fmt.Fprintf(f.Out, "id:       %s\n", s.ID)
	fmt.Fprintf(f.Out, "kind:     %s\n", s.Kind)
	if s.Parent != "" {
		fmt.Fprintf(f.Out, "parent:   %s\n", s.Parent)
	}
	fmt.Fprintf(f.Out, "created:  %s\n", v["created_at"])
	if label, ok := v["label"].(string); ok {
		fmt.Fprintf(f.Out, "label:    %s\n", label)
	}
	fmt.Fprintf(f.Out, "layout:   %s, %s\n", s.Layout, man.Compression)
	fmt.Fprintf(f.Out, "size:     %s (%s stored in this backup)\n", humanBytes(s.TotalBytes), humanBytes(s.StoredBytes))
	if s.KeyCount >= 0 {
		fmt.Fprintf(f.Out, "keys:     %d\n", s.KeyCount)
	}
	fmt.Fprintf(f.Out, "files:\n")
	tw := tabwriter.NewWriter(f.Out, 0, 4, 2, ' ', 0)
	for _, fl := range man.Files {
		where := ""
		if fl.StoredIn != man.ID {
			where = "from " + fl.StoredIn
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s..\t%s\n", fl.Name, humanBytes(fl.Size), fl.BLAKE3[:16], where)
	}
	return tw.Flush()
}

func runBackupValidate(ctx context.Context, f *Factory, opts *BackupOptions, ids []string) error {
	ctx, stop := f.NotifyInterupt(ctxOrBackground(ctx))
	defer stop()
	m, err := f.backupManager(opts)
	if err != nil {
		return err
	}
	if opts.All {
		list, err := m.List(ctx)
		if err != nil {
			return err
		}
		for _, s := range list {
			ids = append(ids, s.ID)
		}
		if len(ids) == 0 && isTTY(f.Err) {
			fmt.Fprintf(f.Err, "no backups in %s\n", m.Dir())
		}
	}
	results := value.List{}
	var failed []string
	var firstErr error
	for _, id := range ids {
		rep, err := m.Validate(ctx, id)
		if err != nil && !errors.Is(err, backup.ErrCorrupt) && !errs.IsKind(err, errs.KindStorage) {
			return err // not found, bad id, cancelled: not a verdict on the backup
		}
		if err != nil {
			e := errs.As(err)
			failed = append(failed, id)
			if firstErr == nil {
				firstErr = err
			}
			results = append(results, value.Map{"id": id, "valid": false, "error": value.Map{"code": e.Kind.String(), "message": e.Message}})
			if f.Output != "json" {
				fmt.Fprintf(f.Out, "%s  INVALID  %s\n", id, e.Message)
			}
			continue
		}
		results = append(results, rep.Value())
		if f.Output != "json" {
			fmt.Fprintf(f.Out, "%s  ok  %d files, %s checked\n", rep.ID, rep.Files, humanBytes(rep.Bytes))
		}
	}
	if f.Output == "json" {
		if err := f.printJSON(value.Map{"results": results}); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		if len(failed) == 1 {
			return firstErr
		}
		return errs.Wrap(errs.KindStorage, firstErr, "%d of %d backups failed validation (%s); first", len(failed), len(ids), strings.Join(failed, ", "))
	}
	return nil
}

func runBackupRestore(ctx context.Context, f *Factory, opts *BackupOptions, id string) error {
	ctx, stop := f.NotifyInterupt(ctxOrBackground(ctx))
	defer stop()
	eng, err := f.backupEngine(opts)
	if err != nil {
		return err
	}
	defer eng.Close()
	rep, err := eng.RestoreBackup(ctx, id)
	if err != nil {
		return err
	}
	if err := eng.Close(); err != nil {
		return err
	}
	if f.Output == "json" {
		return f.printJSON(value.Map{"restored": rep.Value(), "dataDir": eng.Config().Storage.DataDir})
	}
	fmt.Fprintf(f.Out, "restored backup %s into %s", rep.ID, eng.Config().Storage.DataDir)
	if rep.KeyCount >= 0 {
		fmt.Fprintf(f.Out, " (%d keys)", rep.KeyCount)
	}
	fmt.Fprintf(f.Out, " in %d ms\n", rep.DurationMS)
	return nil
}

func runBackupCleanup(ctx context.Context, f *Factory, opts *BackupOptions, co *backup.CleanupOptions) error {
	m, err := f.backupManager(opts)
	if err != nil {
		return err
	}
	rep, err := m.Cleanup(ctxOrBackground(ctx), co)
	if err != nil {
		return err
	}
	if f.Output == "json" {
		return f.printJSON(rep.Value())
	}
	verb := "removed"
	if rep.DryRun {
		verb = "would remove"
	}
	for _, id := range rep.Removed {
		fmt.Fprintf(f.Out, "%s %s\n", verb, id)
	}
	for _, id := range rep.Broken {
		fmt.Fprintf(f.Err, "left broken backup %s (see llmspell backup validate %s)\n", id, id)
	}
	fmt.Fprintf(f.Out, "kept %d, %s %d\n", len(rep.Kept), verb, len(rep.Removed))
	return nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// isTTY reports whether w is a terminal.
func isTTY(w io.Writer) bool {
	fl, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := fl.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
