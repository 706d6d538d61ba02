// Package builtin holds llmspell's built-in tools (TOOLS.md), one file per
// tool, and Register, which adds them all to a registry. Each tool reaches
// files, hosts and processes only through the registry's Policy.
package builtin

import "github.com/llmspell/llmspell-go/core/tool"

// Register adds every built-in tool to r.
func Register(r *tool.Registry) error {
	for _, t := range []*tool.Tool{base64Tool(), hashTool(), uuidTool(), textTool(), calculatorTool(),
		fileOpsTool(), fileSearchTool(), archiveTool(), processTool(), environmentTool(), sysMonTool(), serviceTool(), converterTool(), watcherTool(),
		httpRequestTool(), apiTesterTool(), webhookCallerTool(), urlAnalyzerTool(), webScraperTool(), webpageMonitorTool(),
		sitemapCrawlerTool(), webSearchTool(), graphqlQueryTool(), imageProcessorTool(), audioProcessorTool(), videoProcessorTool(), emailSenderTool(),
		jsonTool(), templateTool(), csvTool(), validationTool(), dateTimeTool(), diffTool(), databaseTool()} {
		if err := r.Register(t); err != nil {
			return err
		}
	}
	return nil
}
