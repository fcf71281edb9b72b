package main

import (
	"context"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/daemon"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/logx"
)

func runDaemon(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "--config /etc/esdoctor/agent.yml")
	path := fs.String("config", "/etc/esdoctor/agent.yml", "the agent config file")
	logLevel := fs.String("log-level", "", "override log_level of the config (debug, info, warn, error)")
	if done, code := cli.ParseNoArgs(env, fs, args); done {
		return code
	}
	cfg, err := daemon.LoadConfig(*path)
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	lvl := cfg.LogLevel
	if *logLevel != "" {
		lvl = *logLevel
	}
	if lvl == "" {
		lvl = "info"
	}
	log := logx.New(logx.Options{JSON: true, Level: lvl}).Named("agent")
	defer log.Sync()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := daemon.New(cfg, log)
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	log.Info("esdoctor-agent starting", zap.String("path_conf", cfg.Node.PathConf), zap.String("nats", cfg.NATS.URL), zap.String("state_dir", cfg.StateDir))
	if err := a.Run(ctx); err != nil {
		log.Error("agent stopped", zap.Error(err))
		return 1
	}
	return cli.ExitOK
}
